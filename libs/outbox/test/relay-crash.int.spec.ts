// A relay process killed with SIGKILL in the middle of a batch loses nothing: after a restart every
// message is delivered, and the duplicates the crash causes are absorbed by the consumer's inbox.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InMemoryBroker } from '@momentum/messaging';
import { AppliedOrders, appliedConfig, appliedTable, createAppliedTable } from './support/applied-orders.js';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { startRelayProcess, type RelayProcess } from './support/relay-processes.js';
import { ORDER_PLACED, OrderPlaced } from './support/test-messages.js';

const ORDERS = 10;
const ROUNDS = 100;
const BATCH = 100;

describe('relay process killed mid-batch (SIGKILL)', () => {
  const url = databaseUrl();
  const publisherSchema = uniqueSchema('crash_pub');
  const consumerSchema = uniqueSchema('crash_billing');
  const broker = new InMemoryBroker({ retryInitialDelayMs: 20, retryMaxDelayMs: 200 });
  let publisher: OutboxTestApp;
  let consumer: OutboxTestApp;
  const relays: RelayProcess[] = [];

  beforeAll(async () => {
    publisher = await startOutboxApp({
      outbox: {
        url,
        schema: publisherSchema,
        autoCreate: true,
        relay: { enabled: false },
        nodes: { mode: 'solo' },
      },
      broker,
    });
    consumer = await startOutboxApp({
      outbox: { url, schema: consumerSchema, autoCreate: true, nodes: { mode: 'solo' } },
      broker,
      serviceName: 'billing',
      providers: [AppliedOrders],
    });
    appliedConfig.schema = consumerSchema;
    await adminQuery(createAppliedTable(consumerSchema));
  }, 60_000);

  afterAll(async () => {
    for (const relay of relays) await relay.stop();
    await publisher?.close();
    await consumer?.close();
    await dropSchema(publisherSchema);
    await dropSchema(consumerSchema);
  }, 30_000);

  it('delivers every message after a restart, applying each exactly once and in order per key', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await publisher.outbox.transaction(async () => {
        for (let order = 0; order < ORDERS; order++)
          await publisher.bus.publish(new OrderPlaced(`order-${order}`, round));
      });
    }
    const pending = () => publisher.store.outgoing.count(publisher.store.dataSource.manager);
    expect(await pending()).toBe(ORDERS * ROUNDS);

    const first = startRelayProcess(broker, {
      schema: publisherSchema,
      batchSize: BATCH,
      onRecord: (relay) => {
        if (relay.received.length === BATCH + BATCH / 2 - 1) relay.kill();
      },
    });
    relays.push(first);
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(first.received).toHaveLength(BATCH + BATCH / 2 - 1);
    // The first batch committed; the interrupted one is still stored, untouched.
    expect(await pending()).toBe(ORDERS * ROUNDS - BATCH);

    const second = startRelayProcess(broker, { schema: publisherSchema, batchSize: BATCH });
    relays.push(second);
    const applied = async () =>
      (
        await adminQuery<{ n: number }>(
          `SELECT count(DISTINCT message_id)::int AS n FROM ${appliedTable(consumerSchema)}`,
        )
      )[0]!.n;
    await eventually(
      async () => (await applied()) === ORDERS * ROUNDS && (await pending()) === 0,
      'every message applied',
      60_000,
    );
    await eventually(() => broker.pending().length === 0, 'the consumer to finish');

    const delivered = broker.records(ORDER_PLACED);
    const duplicates = delivered.length - ORDERS * ROUNDS;
    expect(duplicates).toBe(BATCH / 2 - 1);
    const rows = await adminQuery<{ order_id: string; sequence: number; message_id: string }>(
      `SELECT order_id, sequence, message_id FROM ${appliedTable(consumerSchema)} ORDER BY n`,
    );
    expect(rows).toHaveLength(ORDERS * ROUNDS);
    for (let order = 0; order < ORDERS; order++) {
      const sequences = rows.filter((row) => row.order_id === `order-${order}`).map((row) => row.sequence);
      expect(sequences).toEqual(Array.from({ length: ROUNDS }, (_, round) => round));
    }
    const [inbox] = await adminQuery<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${consumerSchema}".incoming WHERE status = 'handled' AND consumer = 'billing.test'`,
    );
    expect(inbox!.n).toBe(ORDERS * ROUNDS);
  }, 120_000);
});
