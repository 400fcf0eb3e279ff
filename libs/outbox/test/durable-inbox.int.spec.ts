// The durable inbox: a consumed message changes the database at most once, whatever the
// redeliveries, concurrency and handler failures; handled rows are kept for a while, then purged.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { FailureActions, InMemoryBroker, type MessagingModuleOptions } from '@momentum/messaging';
import type { OutboxModuleOptions } from '@momentum/outbox';
import { DurableInbox } from '../src/incoming/durable-inbox.js';
import { AppliedOrders, appliedConfig, appliedTable, createAppliedTable } from './support/applied-orders.js';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { OrderPlaced, orderPlacedEnvelope } from './support/test-messages.js';

describe('durable inbox', () => {
  const url = databaseUrl();
  const schema = uniqueSchema('inbox');
  const apps: OutboxTestApp[] = [];
  const outboxOptions = (extra: Partial<OutboxModuleOptions> = {}): OutboxModuleOptions => ({
    url,
    schema,
    autoCreate: true,
    nodes: { mode: 'solo' },
    ...extra,
  });
  const start = async (
    messaging: Partial<MessagingModuleOptions> = {},
    extra: Partial<OutboxModuleOptions> = {},
  ) => {
    const app = await startOutboxApp({
      outbox: outboxOptions(extra),
      providers: [AppliedOrders],
      messaging,
      broker: new InMemoryBroker(),
    });
    apps.push(app);
    return app;
  };
  const applied = () =>
    adminQuery<{ message_id: string; order_id: string; sequence: number }>(
      `SELECT message_id, order_id, sequence FROM ${appliedTable(schema)} ORDER BY n`,
    );

  beforeAll(async () => {
    await adminQuery(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await adminQuery(createAppliedTable(schema));
    appliedConfig.schema = schema;
  }, 30_000);

  afterEach(async () => {
    appliedConfig.afterWrite = async () => undefined;
    for (const app of apps.splice(0)) await app.close();
    await adminQuery(`TRUNCATE ${appliedTable(schema)}`);
  }, 30_000);

  afterAll(async () => {
    await dropSchema(schema);
  }, 30_000);

  it('applies a redelivered message (same id published twice) once', async () => {
    const app = await start();
    await app.bus.publish(new OrderPlaced('dup', 1), { id: 'fixed-message-id' });
    await app.bus.publish(new OrderPlaced('dup', 1), { id: 'fixed-message-id' });
    await app.bus.publish(new OrderPlaced('other', 2));
    await eventually(
      async () => (await applied()).some((row) => row.order_id === 'other'),
      'the later message',
    );
    await eventually(() => app.broker.pending().length === 0, 'the consumer to finish');
    expect((await applied()).map((row) => row.order_id).sort()).toEqual(['dup', 'other']);
  }, 30_000);

  it('applies concurrent deliveries of one message once, across two processes’ connection pools', async () => {
    const [first, second] = [await start(), await start()];
    const envelope = orderPlacedEnvelope('concurrent-id', 'concurrent', 7);
    const deliver = (app: OutboxTestApp) =>
      app.app.get(DurableInbox).receive(envelope, 'billing', async () => {
        const manager = app.outbox.currentManager()!;
        await manager.query(
          `INSERT INTO ${appliedTable(schema)} (message_id, order_id, sequence) VALUES ($1, 'concurrent', 7)`,
          [envelope.id],
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      });
    const results = await Promise.all([deliver(first), deliver(second), deliver(first), deliver(second)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await applied()).toHaveLength(1);
  }, 30_000);

  it('rolls back the writes of a failed attempt with it, so an inline retry applies them once', async () => {
    const app = await start({
      defaultFailureAction: FailureActions.retry({
        attempts: 3,
        initialDelayMs: 1,
        factor: 1,
        maxDelayMs: 1,
        jitter: 0,
      }),
    });
    appliedConfig.afterWrite = async (_event, context) => {
      if (context.attempt < 3) throw new Error(`attempt ${context.attempt} fails after writing`);
    };
    await app.bus.publish(new OrderPlaced('retried', 1));
    await eventually(async () => (await applied()).length > 0, 'the successful attempt');
    await eventually(() => app.broker.pending().length === 0, 'the consumer to finish');
    expect((await applied()).map((row) => row.order_id)).toEqual(['retried']);
    expect(await app.deadLetters.list()).toEqual([]);
  }, 30_000);

  it('rolls back writes and inbox mark together when the record is redelivered, and the redelivery applies once', async () => {
    const app = await start({ defaultFailureAction: FailureActions.requeue(5) });
    let deliveries = 0;
    appliedConfig.afterWrite = async () => {
      if (++deliveries < 3) throw new Error(`delivery ${deliveries} fails after writing`);
    };
    await app.bus.publish(new OrderPlaced('redelivered', 1));
    await eventually(async () => (await applied()).length > 0, 'the successful redelivery');
    await eventually(() => app.broker.pending().length === 0, 'the consumer to finish');
    expect(deliveries).toBe(3);
    const rows = await applied();
    expect(rows.map((row) => row.order_id)).toEqual(['redelivered']);
    const marks = await adminQuery(
      `SELECT consumer FROM "${schema}".incoming WHERE status = 'handled' AND id = $1`,
      [rows[0]!.message_id],
    );
    expect(marks).toEqual([{ consumer: 'outbox-test.test' }]);
  }, 30_000);

  it('keeps handled rows for the retention time, then the leader purges them', async () => {
    const app = await start(
      {},
      {
        inbox: { keepHandledMs: 300, purgeIntervalMs: 100 },
        nodes: { mode: 'solo', schedulePollIntervalMs: 50 },
      },
    );
    await adminQuery(`DELETE FROM "${schema}".incoming`);
    await app.bus.publish(new OrderPlaced('kept', 1));
    await eventually(async () => (await applied()).length === 1, 'the message handled');
    const marks = () => adminQuery(`SELECT id FROM "${schema}".incoming WHERE status = 'handled'`);
    expect(await marks()).toHaveLength(1);
    await eventually(async () => (await marks()).length === 0, 'the handled row purged', 5_000);
  }, 30_000);
});
