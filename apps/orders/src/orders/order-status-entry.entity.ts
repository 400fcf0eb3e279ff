import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One status change of an order, written by the `OrderStatusChanged` handler. */
@Entity({ name: 'order_status_history' })
export class OrderStatusEntry {
  /** The `OrderStatusChanged` message's id: a redelivered event adds no second entry. */
  @PrimaryColumn('text', { name: 'message_id' }) messageId!: string;
  @Column('uuid', { name: 'order_id' }) orderId!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('text') status!: string;
  @Column('timestamptz', { name: 'changed_at' }) changedAt!: Date;
}
