// Broker failures: the relay backs off and loses nothing; a message the transport refuses for good
// is dead-lettered at once, one that keeps failing after the configured attempts, each with the
// reason; replaying the dead letter delivers it and removes it.
import { describe, expect, it } from '@jest/globals';
import { InMemoryBroker, NonRetryableError } from '@momentum/messaging';
import type { OutboxRelayOptions } from '@momentum/outbox';
import { eventually } from './support/eventually.js';
import { FlakyTransport, orderIdOf } from './support/flaky-transport.js';
import type { OutboxTestApp } from './support/outbox-app.js';
import { databaseUrl } from './support/postgres.js';
import { suiteApps } from './support/suite-apps.js';
import { ORDER_PLACED, OrderPlaced } from './support/test-messages.js';

/** What a broker says about a record it will never accept. */
class RecordTooLargeError extends NonRetryableError {
  override readonly name = 'RecordTooLargeError';
}

describe('relay under broker failures', () => {
  const url = databaseUrl();
  const apps = suiteApps();
  let broker: InMemoryBroker;
  let transport: FlakyTransport;
  let app: OutboxTestApp | undefined;

  /** Order ids sent (the broker lists them partition by partition: order holds within one key only). */
  const sentOrders = () => broker.records(ORDER_PLACED).map(orderIdOf);
  const publishInTransaction = (...orderIds: string[]) =>
    app!.outbox.transaction(async () => {
      for (const [index, orderId] of orderIds.entries())
        await app!.bus.publish(new OrderPlaced(orderId, index));
    });

  /** A fresh app (own schema, broker and flaky transport) whose relay retries quickly. */
  async function start(relay: OutboxRelayOptions): Promise<OutboxTestApp> {
    const schema = apps.schema('relay_failures');
    broker = new InMemoryBroker();
    transport = new FlakyTransport(broker);
    app = await apps.start({
      outbox: {
        url,
        schema,
        autoCreate: true,
        nodes: { mode: 'solo' },
        relay: {
          retryInitialDelayMs: 20,
          retryMaxDelayMs: 40,
          backoffInitialMs: 50,
          backoffMaxMs: 200,
          pollIntervalMs: 100,
          ...relay,
        },
      },
      broker,
      messaging: { transports: [transport] },
    });
    return app;
  }

  it('backs off while the broker is down and delivers everything, in order, once it is back', async () => {
    await start({ maxAttempts: 1_000 });
    transport.down = true;
    const callsBefore = transport.publishCalls;
    await publishInTransaction('down', 'down', 'down');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const attemptsWhileDown = transport.publishCalls - callsBefore;
    // Backing off (50 → 200 ms): a handful of attempts in a second, not a busy loop.
    expect(attemptsWhileDown).toBeGreaterThan(1);
    expect(attemptsWhileDown).toBeLessThan(20);
    expect(sentOrders()).toEqual([]);
    transport.down = false;
    await eventually(() => sentOrders().length === 3, 'delivery after the broker came back');
    const sequences = broker
      .records(ORDER_PLACED)
      .map((record) => (JSON.parse(record.value!.toString()) as OrderPlaced).sequence);
    expect(sequences).toEqual([0, 1, 2]);
    expect(await app!.deadLetters.list()).toEqual([]);
  }, 30_000);

  it('dead-letters a record the transport refuses for good, with the reason, and sends the others', async () => {
    await start({ maxAttempts: 1_000 });
    transport.refuse = (record) =>
      orderIdOf(record) === 'poison' ? new RecordTooLargeError('record too large') : undefined;
    const before = sentOrders().length;
    await publishInTransaction('fine-1', 'poison', 'fine-2');
    await eventually(
      async () => (await app!.deadLetters.list({ messageType: ORDER_PLACED })).length === 1,
      'the dead letter',
    );
    await eventually(() => sentOrders().length === before + 2, 'the other records');
    expect(sentOrders().slice(before).sort()).toEqual(['fine-1', 'fine-2']);
    const [letter] = await app!.deadLetters.list({ messageType: ORDER_PLACED });
    expect(letter).toMatchObject({
      source: `outbox:in-memory:${ORDER_PLACED}`,
      errorType: 'RecordTooLargeError',
      errorMessage: 'record too large',
      attempts: 1,
      replayable: true,
      body: { orderId: 'poison', sequence: 1 },
    });
    await app!.deadLetters.discard(letter!.id);
    expect(await app!.deadLetters.list()).toEqual([]);
  }, 30_000);

  it('dead-letters a message that keeps failing after maxAttempts; its key is not blocked; replay delivers and removes it', async () => {
    await start({ maxAttempts: 3 });
    transport.refuse = (record) =>
      orderIdOf(record) === 'stubborn' ? new Error('partition offline') : undefined;
    const before = sentOrders().length;
    await publishInTransaction('stubborn');
    await publishInTransaction('after-stubborn');
    await eventually(
      async () => (await app!.deadLetters.list()).length === 1,
      'the stubborn message dead-lettered',
    );
    const [letter] = await app!.deadLetters.list();
    expect(letter).toMatchObject({ errorType: 'Error', errorMessage: 'partition offline', attempts: 3 });
    expect(letter!.errorStack).toContain('partition offline');
    await eventually(() => sentOrders().includes('after-stubborn'), 'the next message');

    transport.refuse = () => undefined;
    await app!.deadLetters.replay(letter!.id);
    await eventually(() => sentOrders().slice(before).includes('stubborn'), 'the replayed message');
    const replayed = broker.records(ORDER_PLACED).find((record) => orderIdOf(record) === 'stubborn')!;
    expect(replayed.headers['ce_id']).toBe(letter!.messageId);
    expect(await app!.deadLetters.get(letter!.id)).toBeUndefined();
  }, 30_000);
});
