import { Inject, Injectable } from '@nestjs/common';
import { EventHandler, MessageContext } from '@momentum/messaging';
import { Outbox } from '@momentum/outbox';
import { OrderPlaced } from './test-messages.js';

/** Business table name of the consumer in `schema`: one row per application of an `OrderPlaced`. */
export function appliedTable(schema: string): string {
  return `"${schema}".applied`;
}

/** SQL creating the consumer's business table (no unique key: a duplicate application would show). */
export function createAppliedTable(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${appliedTable(schema)} (
    n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id text NOT NULL, order_id text NOT NULL, sequence int NOT NULL)`;
}

/** Where the consumer writes, and what happens right after the write (a test may hold or fail the handler there). */
export const appliedConfig = {
  schema: '',
  afterWrite: async (_event: OrderPlaced, _context: MessageContext): Promise<void> => undefined,
};

/** A consumer's handler writing its effect in the inbox transaction (through `Outbox.currentManager()`). */
@Injectable()
export class AppliedOrders {
  constructor(@Inject(Outbox) private readonly outbox: Outbox) {}

  @EventHandler()
  async placed(event: OrderPlaced, context: MessageContext): Promise<void> {
    const manager = this.outbox.currentManager();
    if (!manager) throw new Error('AppliedOrders ran outside the inbox transaction');
    await manager.query(
      `INSERT INTO ${appliedTable(appliedConfig.schema)} (message_id, order_id, sequence) VALUES ($1, $2, $3)`,
      [context.id, event.orderId, event.sequence],
    );
    await appliedConfig.afterWrite(event, context);
  }
}
