import { afterEach, describe, expect, it } from '@jest/globals';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import type { KafkaConsumerSettings } from '../../src/transports/kafka/kafka-transport-options.js';
import type { IncomingRecord } from '../../src/transports/message-transport.js';
import { batchOf, FakeClient, type FakeConsumer, type FakeRecord } from './support/fake-kafka-client.js';

// Look-ahead and the per-tenant limit of the consumer, round by round over a fake client.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records with the given key (and tenant), at consecutive offsets from `from`. */
function run(from: number, count: number, key: string, tenant?: string): FakeRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    offset: from + i,
    key,
    headers: { seq: String(from + i), ...(tenant ? { ce_tenantid: tenant } : {}) },
  }));
}

describe('Kafka consumer look-ahead and per-tenant limit', () => {
  const transports: KafkaTransport[] = [];
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((transport) => transport.close()));
  });

  async function consumerWith(
    consumer: KafkaConsumerSettings,
    handle: (record: IncomingRecord) => Promise<void>,
  ): Promise<{ kafka: KafkaTransport; consumer: FakeConsumer }> {
    const client = new FakeClient();
    const kafka = new KafkaTransport({
      client,
      consumer: { retryInitialDelayMs: 100, retryMaxDelayMs: 100, circuitBreaker: false, ...consumer },
    });
    transports.push(kafka);
    kafka.subscribe({ groupId: 'billing', topics: ['orders'], handle });
    await kafka.start();
    return { kafka, consumer: client.consumers[0]! };
  }

  it("ends a round after the interval, holds the rest of a key's backlog and starts records fetched behind it in the next round", async () => {
    const completed: string[] = [];
    const { kafka, consumer } = await consumerWith(
      { maxBufferedRecords: 100, lookAheadIntervalMs: 50 },
      async (record) => {
        if (record.key === 'a') await sleep(20);
        completed.push(`${record.key}${record.offset}`);
      },
    );

    const first = batchOf('orders', 0, run(0, 10, 'a'));
    await consumer.runner.eachBatch(first.batch);
    const doneInFirstRound = completed.length;
    expect(doneInFirstRound).toBeGreaterThan(0);
    expect(doneInFirstRound).toBeLessThan(10);
    // Fetched again from the newest record held, so a batch comes even if nothing newer arrived.
    expect(first.fetched.from).toBe('9');
    expect(consumer.commits.at(-1)).toEqual({
      topic: 'orders',
      partition: 0,
      offset: String(doneInFirstRound),
    });
    expect(kafka.activity.inFlight()).toHaveLength(10 - doneInFirstRound);

    const second = batchOf('orders', 0, [...run(9, 1, 'a'), ...run(10, 2, 'b')]);
    await consumer.runner.eachBatch(second.batch);
    // b is not held behind a's backlog: both of its records finish within this round.
    expect(completed).toEqual(expect.arrayContaining(['b10', 'b11']));
    expect(completed).not.toContain('a9');

    while (kafka.activity.inFlight().length > 0) {
      const tick = batchOf('orders', 0, run(9, 3, 'a'));
      await consumer.runner.eachBatch(tick.batch);
    }
    expect(completed.filter((id) => id.startsWith('a'))).toEqual(
      Array.from({ length: 10 }, (_, offset) => `a${offset}`),
    );
    expect(consumer.commits.at(-1)).toEqual({ topic: 'orders', partition: 0, offset: '12' });
    expect(consumer.pauses).toEqual([]);
  });

  it('takes no more than maxBufferedRecords in, fetches again from the first that did not fit, and fetches nothing while full', async () => {
    const started: string[] = [];
    const { kafka, consumer } = await consumerWith(
      { maxBufferedRecords: 3, lookAheadIntervalMs: 10 },
      async (record) => {
        started.push(record.offset);
        await sleep(30);
      },
    );

    const first = batchOf('orders', 0, run(0, 6, 'a'));
    await consumer.runner.eachBatch(first.batch);
    // The round went on past the interval until a record finished and made room.
    expect(started.length).toBeGreaterThanOrEqual(2);
    expect(started.length).toBeLessThan(3);
    expect(first.fetched.from).toBe('3');
    expect(consumer.commits.at(-1)?.offset).toBe(String(started.length));
    expect(kafka.activity.inFlight()).toHaveLength(3 - started.length);

    const startedInFirstRound = started.length;
    const second = batchOf('orders', 0, run(3, 3, 'a'));
    await consumer.runner.eachBatch(second.batch);
    expect(second.fetched.from).toBe(String(startedInFirstRound + 3));
    expect(kafka.activity.inFlight().length).toBeLessThanOrEqual(3);
    expect(consumer.commits.at(-1)?.offset).toBe(String(started.length));
  });

  it('pauses the partition when its held records all wait for redelivery, and delivers them after the delay', async () => {
    const attempts = new Map<string, number>();
    const { consumer } = await consumerWith(
      { maxBufferedRecords: 100, lookAheadIntervalMs: 5_000 },
      async (record) => {
        attempts.set(record.offset, (attempts.get(record.offset) ?? 0) + 1);
        if (record.offset === '1' && attempts.get('1') === 1) throw new Error('database down');
      },
    );

    const first = batchOf('orders', 0, [...run(0, 1, 'b'), ...run(1, 2, 'a')]);
    await consumer.runner.eachBatch(first.batch);
    expect(first.fetched.from).toBe('2');
    expect(consumer.commits.at(-1)?.offset).toBe('1');
    expect(consumer.pauses).toEqual(['pause orders[0]']);
    expect(attempts.get('2')).toBeUndefined();

    await sleep(150);
    const again = batchOf('orders', 0, run(2, 1, 'a'));
    await consumer.runner.eachBatch(again.batch);
    expect([...attempts]).toEqual([
      ['0', 1],
      ['1', 2],
      ['2', 1],
    ]);
    expect(again.fetched.from).toBe('3');
    expect(consumer.commits.at(-1)?.offset).toBe('3');
  });

  it("keeps one tenant's many keys within its limit, so another tenant's records start at once", async () => {
    const running = new Map<string, number>();
    const most = new Map<string, number>();
    const started: string[] = [];
    const { consumer } = await consumerWith(
      { maxConcurrentKeys: 4, maxConcurrentPerTenant: 2 },
      async (record) => {
        const tenant = record.headers.ce_tenantid!;
        started.push(`${tenant}${record.offset}`);
        running.set(tenant, (running.get(tenant) ?? 0) + 1);
        most.set(tenant, Math.max(most.get(tenant) ?? 0, running.get(tenant)!));
        await sleep(5);
        running.set(tenant, running.get(tenant)! - 1);
      },
    );

    const flood = Array.from({ length: 20 }, (_, i) => run(i, 1, `a-order-${i}`, 'a')).flat();
    await consumer.runner.eachBatch(batchOf('orders', 0, [...flood, ...run(20, 2, 'b-order', 'b')]).batch);
    expect(started.slice(0, 3)).toEqual(['a0', 'a1', 'b20']);
    expect(most.get('a')).toBe(2);
    expect(started).toHaveLength(22);
  });
});
