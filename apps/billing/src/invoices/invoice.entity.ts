import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { numericAmount } from '../../../shared/src/database/numeric-amount.js';

/** `paid` when billing charged the order, `declined` when it refused. */
export type InvoiceStatus = 'paid' | 'declined';

/** An invoice for one order. */
@Entity({ name: 'invoices' })
export class Invoice {
  @PrimaryColumn('uuid', { name: 'id' }) invoiceId!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'order_id' }) orderId!: string;
  @Column('uuid', { name: 'customer_id' }) customerId!: string;
  @Column('numeric', { precision: 12, scale: 2, transformer: numericAmount }) amount!: number;
  @Column('text') status!: InvoiceStatus;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
