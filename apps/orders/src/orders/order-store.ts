import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CurrentManager } from '../../../shared/src/database/current-manager.js';
import { Order, type OrderStatus } from './order.entity.js';
import { OrderStatusEntry } from './order-status-entry.entity.js';

/** The outcome of {@link OrderStore.changeStatus}. */
export type StatusChange =
  | { readonly kind: 'changed'; readonly order: Order; readonly oldStatus: OrderStatus }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'refused'; readonly order: Order };

/**
 * Orders and their status history. Writes go through the transaction in progress (an
 * `Outbox.transaction` or the inbox's), so they commit together with the messages they cause.
 */
@Injectable()
export class OrderStore {
  constructor(private readonly current: CurrentManager) {}

  async insert(order: Order): Promise<void> {
    await this.manager().insert(Order, order);
  }

  /** The order, if it belongs to `tenantId`. */
  find(tenantId: string, orderId: string): Promise<Order | null> {
    return this.manager().findOneBy(Order, { tenantId, orderId });
  }

  /** The tenant's orders, newest first, optionally of one status. */
  list(tenantId: string, status?: OrderStatus): Promise<Order[]> {
    return this.manager().find(Order, {
      where: { tenantId, ...(status ? { status } : {}) },
      order: { createdAt: 'DESC' },
      take: 500,
    });
  }

  /** The order's history, oldest first. */
  history(orderId: string): Promise<OrderStatusEntry[]> {
    return this.manager().find(OrderStatusEntry, { where: { orderId }, order: { changedAt: 'ASC' } });
  }

  /** Adds a history entry once per message id. */
  async record(entry: OrderStatusEntry): Promise<void> {
    await this.manager()
      .createQueryBuilder()
      .insert()
      .into(OrderStatusEntry)
      .values(entry)
      .orIgnore()
      .execute();
  }

  /**
   * Moves the order to `to` when its status is one of `from`; the row is locked meanwhile, so a
   * cancellation and a payment arriving together cannot both win. Call inside a transaction.
   */
  async changeStatus(
    tenantId: string,
    orderId: string,
    from: readonly OrderStatus[],
    to: OrderStatus,
  ): Promise<StatusChange> {
    const manager = this.manager();
    const order = await manager.findOne(Order, {
      where: { tenantId, orderId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!order) return { kind: 'not-found' };
    if (!from.includes(order.status)) return { kind: 'refused', order };
    const oldStatus = order.status;
    await manager.update(Order, { orderId }, { status: to });
    return { kind: 'changed', order: { ...order, status: to }, oldStatus };
  }

  private manager(): EntityManager {
    return this.current.get();
  }
}
