import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventHandler, MessageContext, Result } from '@momentum/messaging';
import { Outbox } from '@momentum/outbox';
import { OrderCreatedIntegrationEvent } from '../../../shared/src/contracts/order-created.integration-event.js';
import { CancelOrder } from './cancel-order.command.js';
import { CreateOrder, orderTotal } from './create-order.command.js';
import { Order } from './order.entity.js';
import { OrderCreated, OrderStatusChanged } from './order-events.js';
import { OrderStore } from './order-store.js';

/**
 * The orders service's commands. Each runs in one outbox transaction: the order row, the domain
 * events (rows of the durable `domain-events` queue) and the integration event (an outbox row)
 * commit together or not at all.
 */
@Injectable()
export class OrderCommandsHandler {
  constructor(
    private readonly outbox: Outbox,
    private readonly orders: OrderStore,
  ) {}

  @EventHandler()
  create(command: CreateOrder, context: MessageContext): Promise<Result<Order>> {
    const order = Object.assign(new Order(), {
      orderId: randomUUID(),
      tenantId: command.tenantId,
      customerId: command.customerId,
      items: command.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
      totalAmount: orderTotal(command.items),
      status: 'pending' as const,
    });
    return this.outbox.transaction(async () => {
      await this.orders.insert(order);
      const { tenantId, orderId, customerId } = order;
      await context.bus.publish(new OrderCreated(tenantId, orderId, customerId, order.totalAmount));
      await context.bus.publish(
        new OrderStatusChanged(tenantId, orderId, null, 'pending', new Date().toISOString()),
      );
      await context.bus.publish(
        new OrderCreatedIntegrationEvent(tenantId, orderId, customerId, order.totalAmount),
      );
      return Result.ok(order);
    });
  }

  @EventHandler()
  cancel(command: CancelOrder, context: MessageContext): Promise<Result<Order>> {
    return this.outbox.transaction(async () => {
      const change = await this.orders.changeStatus(
        command.tenantId,
        command.orderId,
        ['pending', 'payment_failed'],
        'cancelled',
      );
      if (change.kind === 'not-found') {
        return Result.fail({ code: 'not_found', message: `order ${command.orderId} not found` });
      }
      if (change.kind === 'refused') {
        return Result.fail({
          code: 'conflict',
          message: `order ${command.orderId} is ${change.order.status} and can no longer be cancelled`,
        });
      }
      await context.bus.publish(
        new OrderStatusChanged(
          command.tenantId,
          command.orderId,
          change.oldStatus,
          'cancelled',
          new Date().toISOString(),
        ),
      );
      return Result.ok(change.order);
    });
  }
}
