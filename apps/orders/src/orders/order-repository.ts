import { Injectable } from '@nestjs/common';
import type { Order } from './order.js';

/** Orders kept in memory (the embedded mode; a database store arrives with the outbox). */
@Injectable()
export class OrderRepository {
  private readonly orders = new Map<string, Order>();

  save(order: Order): void {
    this.orders.set(order.orderId, order);
  }

  /** The order, if it belongs to `tenantId`. */
  find(tenantId: string, orderId: string): Order | undefined {
    const order = this.orders.get(orderId);
    return order?.tenantId === tenantId ? order : undefined;
  }
}
