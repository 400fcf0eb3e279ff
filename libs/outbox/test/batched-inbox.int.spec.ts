// The batched inbox (`inbox.mode: 'batched'`): concurrent deliveries share claim and mark
// statements; a message is still handled once per consumer, a failed delivery's claim is dropped so
// the redelivery runs it, and a dead node's claim is taken over.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Inject, Injectable } from '@nestjs/common';
import {
  EventHandler,
  FailureActions,
  InMemoryBroker,
  MessageContext,
  NonRetryableError,
} from '@momentum/messaging';
import { Outbox } from '@momentum/outbox';
import { DurableInbox } from '../src/incoming/durable-inbox.js';
import { MessageBusyError } from '../src/incoming/message-busy-error.js';
import { appliedTable, createAppliedTable } from './support/applied-orders.js';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { ORDER_PLACED, OrderPlaced, orderPlacedEnvelope } from './support/test-messages.js';

const CONSUMER = 'outbox-test.test';
const config = { schema: '', beforeWrite: async (_context: MessageContext): Promise<void> => undefined };

/** A handler writing in a transaction of its own: the batched inbox runs handlers outside any. */
@Injectable()
class OwnTransactionOrders {
  constructor(@Inject(Outbox) private readonly outbox: Outbox) {}

  @EventHandler()
  async placed(event: OrderPlaced, context: MessageContext): Promise<void> {
    if (this.outbox.currentManager()) throw new Error('the batched inbox opened a transaction');
    await config.beforeWrite(context);
    await this.outbox.transaction((manager) =>
      manager.query(
        `INSERT INTO ${appliedTable(config.schema)} (message_id, order_id, sequence) VALUES ($1, $2, $3)`,
        [context.id, event.orderId, event.sequence],
      ),
    );
  }
}

/** A failure no retry can fix until the code is. */
class NotYetApplicableError extends NonRetryableError {
  override readonly name = 'NotYetApplicableError';
}

describe('batched inbox', () => {
  const url = databaseUrl();
  const schema = uniqueSchema('batched_inbox');
  const apps: OutboxTestApp[] = [];
  const start = async (messaging = {}) => {
    const app = await startOutboxApp({
      outbox: { url, schema, autoCreate: true, nodes: { mode: 'solo' }, inbox: { mode: 'batched' } },
      providers: [OwnTransactionOrders],
      messaging,
      broker: new InMemoryBroker({ retryInitialDelayMs: 20, retryMaxDelayMs: 200 }),
    });
    apps.push(app);
    return app;
  };
  const applied = () =>
    adminQuery<{ message_id: string; order_id: string }>(
      `SELECT message_id, order_id FROM ${appliedTable(schema)} ORDER BY n`,
    );
  const marks = () =>
    adminQuery<{ id: string; status: string; owner_id: number }>(
      `SELECT id, status, owner_id FROM "${schema}".incoming WHERE consumer = $1 ORDER BY id`,
      [CONSUMER],
    );

  beforeAll(async () => {
    await adminQuery(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await adminQuery(createAppliedTable(schema));
    config.schema = schema;
  }, 30_000);

  afterEach(async () => {
    config.beforeWrite = async () => undefined;
    for (const app of apps.splice(0)) await app.close();
    await adminQuery(`TRUNCATE ${appliedTable(schema)}`);
    await adminQuery(`DELETE FROM "${schema}".incoming`);
  }, 30_000);

  afterAll(async () => {
    await dropSchema(schema);
  }, 30_000);

  it('handles a burst of messages once each and discards a redelivered one', async () => {
    const app = await start();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => app.bus.publish(new OrderPlaced(`order-${i % 10}`, i))),
    );
    await app.bus.publish(new OrderPlaced('dup', 1), { id: 'fixed-id' });
    await app.bus.publish(new OrderPlaced('dup', 1), { id: 'fixed-id' });
    await eventually(async () => (await marks()).length === 51, 'every message marked');
    await eventually(() => app.broker.pending().length === 0, 'the consumer to finish');
    expect(await applied()).toHaveLength(51);
    expect((await applied()).filter((row) => row.order_id === 'dup')).toHaveLength(1);
    expect((await marks()).every((row) => row.status === 'handled' && row.owner_id === 0)).toBe(true);
  }, 30_000);

  it('runs concurrent deliveries of one message once, in one process and across two', async () => {
    const [first, second] = [await start(), await start()];
    const envelope = orderPlacedEnvelope('concurrent-id', 'concurrent', 7);
    let runs = 0;
    const deliver = (app: OutboxTestApp) =>
      app.app.get(DurableInbox).receive(envelope, CONSUMER, async () => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      });
    const results = await Promise.allSettled([
      deliver(first),
      deliver(second),
      deliver(first),
      deliver(second),
    ]);
    expect(runs).toBe(1);
    expect(results.filter((result) => result.status === 'fulfilled' && result.value)).toHaveLength(1);
    for (const result of results)
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(MessageBusyError);
    await eventually(async () => (await marks())[0]?.status === 'handled', 'the mark written');
    expect(await marks()).toEqual([{ id: 'concurrent-id', status: 'handled', owner_id: 0 }]);
    expect(await deliver(second)).toBe(false);
  }, 30_000);

  it('drops the claim of a failed delivery, so the redelivery runs it', async () => {
    const app = await start({ defaultFailureAction: FailureActions.requeue(5) });
    let deliveries = 0;
    config.beforeWrite = async () => {
      if (++deliveries < 3) throw new Error(`delivery ${deliveries} fails`);
    };
    await app.bus.publish(new OrderPlaced('redelivered', 1));
    await eventually(async () => (await applied()).length > 0, 'the successful redelivery');
    await eventually(() => app.broker.pending().length === 0, 'the consumer to finish');
    expect(deliveries).toBe(3);
    expect((await marks()).map((row) => row.status)).toEqual(['handled']);
  }, 30_000);

  it('takes over the claim of a node that is gone', async () => {
    const app = await start();
    await adminQuery(
      `INSERT INTO "${schema}".incoming (id, consumer, status, owner_id, message_type)
       VALUES ('orphaned-claim', $1, 'incoming', 424242, 'app_domain.outbox_tests.order-placed')`,
      [CONSUMER],
    );
    await app.bus.publish(new OrderPlaced('orphaned', 1), { id: 'orphaned-claim' });
    await eventually(async () => (await applied()).length === 1, 'the message handled');
    await eventually(async () => (await marks())[0]?.status === 'handled', 'the claim marked handled');
  }, 30_000);

  it('dead-letters a failing message with its consumer and topic, and replay delivers it', async () => {
    const app = await start();
    let broken = true;
    config.beforeWrite = async () => {
      if (broken) throw new NotYetApplicableError('cannot apply yet');
    };
    await app.bus.publish(new OrderPlaced('poison', 1), { id: 'poison-id' });
    await eventually(async () => (await app.deadLetters.list()).length === 1, 'the dead letter');
    const [letter] = await app.deadLetters.list();
    expect(letter).toMatchObject({
      messageId: 'poison-id',
      source: `in-memory:${ORDER_PLACED}`,
      transport: 'in-memory',
      topic: ORDER_PLACED,
      consumer: CONSUMER,
      replayable: true,
    });

    broken = false;
    await app.deadLetters.replay(letter!.id);
    await eventually(async () => (await applied()).length === 1, 'the replayed message handled');
    expect((await applied())[0]).toMatchObject({ message_id: 'poison-id', order_id: 'poison' });
    expect(await app.deadLetters.list()).toEqual([]);
  }, 30_000);

  it('claims announced messages ahead, and drops the claims of those never received', async () => {
    const app = await start();
    const inbox = app.app.get(DurableInbox);
    const [first, second, third] = [1, 2, 3].map((n) => orderPlacedEnvelope(`ahead-${n}`, `ahead-${n}`, n));
    inbox.prepare!([first!, second!, third!], CONSUMER);
    await eventually(async () => (await marks()).length === 3, 'the claims made ahead');
    expect((await marks()).every((row) => row.status === 'incoming' && row.owner_id !== 0)).toBe(true);

    let runs = 0;
    expect(await inbox.receive(first!, CONSUMER, async () => void runs++)).toBe(true);
    inbox.forget!([second!], CONSUMER);
    // At shutdown: the third claim, announced but never received, is dropped too.
    await inbox.flush();
    expect(runs).toBe(1);
    expect(await marks()).toEqual([{ id: 'ahead-1', status: 'handled', owner_id: 0 }]);
  }, 30_000);

  it('a message received right after its claim made ahead was forgotten runs once, and stays marked handled', async () => {
    const app = await start();
    const inbox = app.app.get(DurableInbox);
    const [again, later] = [1, 2].map((n) => orderPlacedEnvelope(`again-${n}`, `again-${n}`, n));
    let runs = 0;
    const handle = async () => void runs++;

    // In the same tick (a round cut short, and the next fetch bringing the record back) ...
    inbox.prepare!([again!], CONSUMER);
    inbox.forget!([again!], CONSUMER);
    expect(await inbox.receive(again!, CONSUMER, handle)).toBe(true);
    // ... and once the forgotten claim is made.
    inbox.prepare!([later!], CONSUMER);
    await eventually(async () => (await marks()).some((row) => row.id === 'again-2'), 'the claim made ahead');
    inbox.forget!([later!], CONSUMER);
    expect(await inbox.receive(later!, CONSUMER, handle)).toBe(true);

    await inbox.flush();
    expect(runs).toBe(2);
    expect(await marks()).toEqual([
      { id: 'again-1', status: 'handled', owner_id: 0 },
      { id: 'again-2', status: 'handled', owner_id: 0 },
    ]);
    expect(await inbox.receive(again!, CONSUMER, handle)).toBe(false);
    expect(await inbox.receive(later!, CONSUMER, handle)).toBe(false);
    expect(runs).toBe(2);
  }, 30_000);
});
