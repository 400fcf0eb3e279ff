import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventHandler, MessageContext, Result } from '@momentum/messaging';
import { CreateOrder } from './create-order.command.js';
import { OrderCreated, OrderCreatedIntegrationEvent, OrderStatusChanged } from './order-events.js';
import type { Order } from './order.js';
import { OrderRepository } from './order-repository.js';

/** Handlers of the orders service. */
@Injectable()
export class OrderHandlers {
  private readonly logger = new Logger('Orders');

  /** Stores the order; the domain and integration events cascade once it succeeded. */
  @EventHandler()
  create(command: CreateOrder, orders: OrderRepository): Result<Order> {
    const totalAmount = command.items.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
    const order: Order = {
      orderId: randomUUID(),
      tenantId: command.tenantId,
      customerId: command.customerId,
      items: command.items,
      totalAmount,
      status: 'pending',
      history: [],
    };
    orders.save(order);
    return Result.ok(order).cascade(
      new OrderCreated(order.tenantId, order.orderId, totalAmount),
      new OrderStatusChanged(order.tenantId, order.orderId, null, 'pending', new Date().toISOString()),
      new OrderCreatedIntegrationEvent(order.tenantId, order.orderId, order.customerId, totalAmount),
    );
  }

  /** Keeps the status history. */
  @EventHandler()
  recordStatus(event: OrderStatusChanged, orders: OrderRepository): void {
    orders
      .find(event.tenantId, event.orderId)
      ?.history.push({ status: event.newStatus, at: event.changedAt });
  }

  /** Sends the (logged) customer notification. */
  @EventHandler()
  notify(event: OrderCreated, context: MessageContext): void {
    this.logger.log(
      `notification: order ${event.orderId} received (tenant ${event.tenantId}, correlation ${context.correlationId})`,
    );
  }

  /** Shows the integration event arriving back through the transport, as another service would see it. */
  @EventHandler()
  published(event: OrderCreatedIntegrationEvent, context: MessageContext): void {
    this.logger.log(
      `integration event ${context.envelope.type} for order ${event.orderId} consumed from ${context.envelope.topic}`,
    );
  }
}
