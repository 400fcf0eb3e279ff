import { Injectable, Logger } from '@nestjs/common';
import { EventHandler, MessageContext } from '@momentum/messaging';
import { OrderStatusEntry } from './order-status-entry.entity.js';
import { OrderCreated, OrderStatusChanged } from './order-events.js';
import { OrderStore } from './order-store.js';

/** Handlers of the orders service's domain events (durable `domain-events` queue). */
@Injectable()
export class OrderDomainEventsHandler {
  private readonly logger = new Logger('OrderNotifications');

  constructor(private readonly orders: OrderStore) {}

  /** Keeps the status history. */
  @EventHandler()
  async recordStatus(event: OrderStatusChanged, context: MessageContext): Promise<void> {
    await this.orders.record(
      Object.assign(new OrderStatusEntry(), {
        messageId: context.id,
        orderId: event.orderId,
        tenantId: event.tenantId,
        status: event.newStatus,
        changedAt: new Date(event.changedAt),
      }),
    );
  }

  /** Sends the customer notification (logged). */
  @EventHandler()
  notify(event: OrderCreated, context: MessageContext): void {
    this.logger.log(
      `notification to customer ${event.customerId}: order ${event.orderId} received ` +
        `(tenant ${event.tenantId}, correlation ${context.correlationId})`,
    );
  }
}
