// Two relay processes on one outbox share the work through FOR UPDATE SKIP LOCKED: in normal
// operation no message is sent twice, and messages of one key stay in order.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InMemoryBroker } from '@momentum/messaging';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { startRelayProcess, type RelayProcess } from './support/relay-processes.js';
import { OrderPlaced } from './support/test-messages.js';

const KEYS = 20;
const ROUNDS = 100;

describe('two relay processes', () => {
  const url = databaseUrl();
  const schema = uniqueSchema('two_relays');
  const broker = new InMemoryBroker();
  let publisher: OutboxTestApp;
  const relays: RelayProcess[] = [];

  beforeAll(async () => {
    publisher = await startOutboxApp({
      outbox: { url, schema, autoCreate: true, relay: { enabled: false }, nodes: { mode: 'solo' } },
      broker,
    });
  }, 60_000);

  afterAll(async () => {
    for (const relay of relays) await relay.stop();
    await publisher?.close();
    await dropSchema(schema);
  }, 30_000);

  it('send each message once and keep the order of every key, while both take part', async () => {
    const publish = async (from: number, to: number): Promise<void> => {
      for (let round = from; round < to; round++) {
        await publisher.outbox.transaction(async () => {
          for (let key = 0; key < KEYS; key++)
            await publisher.bus.publish(new OrderPlaced(`key-${key}`, round));
        });
      }
    };
    await publish(0, ROUNDS / 2);
    relays.push(
      startRelayProcess(broker, { schema, batchSize: 25 }),
      startRelayProcess(broker, { schema, batchSize: 25 }),
    );
    await Promise.all(relays.map((relay) => relay.ready));
    await publish(ROUNDS / 2, ROUNDS);
    const total = KEYS * ROUNDS;
    await eventually(
      () => relays.reduce((sum, relay) => sum + relay.received.length, 0) >= total,
      'every message sent',
      60_000,
    );
    await eventually(
      async () => (await publisher.store.outgoing.count(publisher.store.dataSource.manager)) === 0,
      'an empty outbox',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const sent = relays.flatMap((relay) => relay.received);
    const ids = sent.map((record) => record.headers['ce_id']);
    expect(new Set(ids).size).toBe(total);
    expect(sent).toHaveLength(total);
    for (const relay of relays) expect(relay.received.length).toBeGreaterThan(0);

    const inBrokerOrder = broker
      .records('app_domain.outbox_tests.order-placed')
      .map((record) => JSON.parse(record.value!.toString()) as OrderPlaced);
    for (let key = 0; key < KEYS; key++) {
      const sequences = inBrokerOrder
        .filter((event) => event.orderId === `key-${key}`)
        .map((event) => event.sequence);
      expect(sequences).toEqual(Array.from({ length: ROUNDS }, (_, round) => round));
    }
  }, 120_000);
});
