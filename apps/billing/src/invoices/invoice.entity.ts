import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** `paid` when billing charged the order, `declined` when it refused. */
export type InvoiceStatus = 'paid' | 'declined';

/** `numeric` comes back from PostgreSQL as a string. */
const amount = { to: (value: number) => value, from: (value: string) => Number(value) };

/** An invoice for one order. */
@Entity({ name: 'invoices' })
export class Invoice {
  @PrimaryColumn('uuid', { name: 'id' }) invoiceId!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'order_id' }) orderId!: string;
  @Column('uuid', { name: 'customer_id' }) customerId!: string;
  @Column('numeric', { precision: 12, scale: 2, transformer: amount }) amount!: number;
  @Column('text') status!: InvoiceStatus;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
