import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { numericAmount } from '../../../shared/src/database/numeric-amount.js';

/** Where an order is in its life. */
export type OrderStatus = 'pending' | 'paid' | 'payment_failed' | 'cancelled';

/** Every {@link OrderStatus}, for validating queries. */
export const ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'paid', 'payment_failed', 'cancelled'];

/** An order line. */
export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: number;
}

/** An order, as the orders service stores it. */
@Entity({ name: 'orders' })
export class Order {
  @PrimaryColumn('uuid', { name: 'id' }) orderId!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'customer_id' }) customerId!: string;
  @Column('jsonb') items!: OrderLine[];
  @Column('numeric', { name: 'total_amount', precision: 18, scale: 2, transformer: numericAmount })
  totalAmount!: number;
  @Column('text') status!: OrderStatus;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
