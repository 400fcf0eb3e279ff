import { DomainEvent } from '@momentum/messaging';

/** Domain event: an order was placed (handled inside the orders service). */
@DomainEvent({ type: 'orders.order-created' })
export class OrderCreated {
  constructor(
    readonly tenantId: string,
    readonly orderId: string,
    readonly customerId: string,
    readonly totalAmount: number,
  ) {}
}

/** Domain event, as in the seed contract `OrderStatusChanged(TenantId, OrderId, OldStatus, NewStatus, ChangedAt)`. */
@DomainEvent({ type: 'orders.order-status-changed' })
export class OrderStatusChanged {
  constructor(
    readonly tenantId: string,
    readonly orderId: string,
    readonly oldStatus: string | null,
    readonly newStatus: string,
    readonly changedAt: string,
  ) {}
}
