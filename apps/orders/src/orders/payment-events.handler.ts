import { Injectable, Logger } from '@nestjs/common';
import { EventHandler, MessageContext } from '@momentum/messaging';
import { PaymentCompleted } from '../../../shared/src/contracts/payment-completed.integration-event.js';
import { PaymentFailed } from '../../../shared/src/contracts/payment-failed.integration-event.js';
import type { OrderStatus } from './order.entity.js';
import { OrderStatusChanged } from './order-events.js';
import { OrderStore } from './order-store.js';

/**
 * Billing's outcomes, consumed through the durable inbox: the status change, its domain event and
 * the inbox mark commit in one transaction, so a redelivered payment changes nothing twice.
 */
@Injectable()
export class PaymentEventsHandler {
  private readonly logger = new Logger('OrderPayments');

  constructor(private readonly orders: OrderStore) {}

  @EventHandler()
  completed(event: PaymentCompleted, context: MessageContext): Promise<void> {
    return this.settle(event.tenantId, event.orderId, 'paid', context);
  }

  @EventHandler()
  failed(event: PaymentFailed, context: MessageContext): Promise<void> {
    return this.settle(event.tenantId, event.orderId, 'payment_failed', context);
  }

  /** Only a pending order takes the payment's outcome; a cancelled one keeps its status (a refund is billing's business). */
  private async settle(
    tenantId: string,
    orderId: string,
    to: OrderStatus,
    context: MessageContext,
  ): Promise<void> {
    const change = await this.orders.changeStatus(tenantId, orderId, ['pending'], to);
    if (change.kind !== 'changed') {
      this.logger.warn(
        `payment outcome ${to} for order ${orderId} ignored: ${change.kind === 'not-found' ? 'unknown order' : `order is ${change.order.status}`}`,
      );
      return;
    }
    await context.bus.publish(
      new OrderStatusChanged(tenantId, orderId, change.oldStatus, to, new Date().toISOString()),
    );
  }
}
