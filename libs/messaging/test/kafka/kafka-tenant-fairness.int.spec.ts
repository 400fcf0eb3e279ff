import { describe, expect, it } from '@jest/globals';
import { encodeCloudEvent } from '../../src/serialization/cloud-event-codec.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import type { KafkaConsumerSettings } from '../../src/transports/kafka/kafka-transport-options.js';
import type { IncomingRecord, TransportRecord } from '../../src/transports/message-transport.js';
import { sleep, testTransportOptions, uniqueSuffix, waitUntil } from './support/kafka-test-kit.js';
import { kafkaResources } from './support/kafka-resources.js';

const FLOOD = 2_000;
const FEW = 5;
/**
 * Padding of each record, so the flood spans several fetches (about 1 MB of one partition each,
 * kafkajs's default) and the few records of the other tenant come only in the last of them.
 */
const PAD = 'x'.repeat(2_048);
/** Records of one producer request: each request is one record batch, which must stay below 1 MB. */
const PRODUCER_BATCH = 200;

/** The global order in which records finished, and how often each was handled. */
class CompletionLog {
  readonly order: string[] = [];
  readonly deliveries = new Map<string, number>();
  private readonly running = new Map<string, number>();
  readonly mostRunning = new Map<string, number>();

  async handle(record: IncomingRecord, handleMs: number): Promise<void> {
    const tenant = record.headers.ce_tenantid!;
    const id = `${tenant}:${record.headers.seq}`;
    this.running.set(tenant, (this.running.get(tenant) ?? 0) + 1);
    this.mostRunning.set(tenant, Math.max(this.mostRunning.get(tenant) ?? 0, this.running.get(tenant)!));
    await sleep(handleMs);
    this.running.set(tenant, this.running.get(tenant)! - 1);
    this.order.push(id);
    this.deliveries.set(id, (this.deliveries.get(id) ?? 0) + 1);
  }

  /** Sequence numbers of `tenant` in the order they finished. */
  seqsOf(tenant: string): number[] {
    return this.order.filter((id) => id.startsWith(`${tenant}:`)).map((id) => Number(id.split(':')[1]));
  }

  /** How many of `flooder`'s records had finished when the last of `other`'s did. */
  finishedBeforeLastOf(flooder: string, other: string): number {
    const last = this.order.findLastIndex((id) => id.startsWith(`${other}:`));
    return this.order.slice(0, last).filter((id) => id.startsWith(`${flooder}:`)).length;
  }

  /** How many of `flooder`'s records had finished when the first of `other`'s did. */
  finishedBeforeFirstOf(flooder: string, other: string): number {
    const first = this.order.findIndex((id) => id.startsWith(`${other}:`));
    return this.order.slice(0, first).filter((id) => id.startsWith(`${flooder}:`)).length;
  }
}

describe('Kafka consumer fairness between tenants', () => {
  const { transports, topics } = kafkaResources();

  /** Tenant A's flood, then tenant B's few records, all on one partition, all in the log before anyone consumes. */
  async function floodThenFew(floodKey: (seq: number) => string): Promise<string> {
    const topic = `fairness.${uniqueSuffix()}`;
    topics.push(topic, `${topic}.dlq`);
    const producer = new KafkaTransport(
      testTransportOptions({ topicDefaults: { partitions: 1 }, producer: { maxBatchSize: PRODUCER_BATCH } }),
    );
    transports.push(producer);
    const flood = Array.from({ length: FLOOD }, (_, seq) => event(topic, 'tenant-a', floodKey(seq), seq));
    const few = Array.from({ length: FEW }, (_, seq) => event(topic, 'tenant-b', 'tenant-b', seq));
    for (let start = 0; start < FLOOD; start += PRODUCER_BATCH)
      await producer.publish(flood.slice(start, start + PRODUCER_BATCH));
    await producer.publish(few);
    return topic;
  }

  async function consume(
    topic: string,
    consumer: KafkaConsumerSettings,
    handleMs: number,
  ): Promise<CompletionLog> {
    const log = new CompletionLog();
    const transport = new KafkaTransport(
      testTransportOptions({ topicDefaults: { partitions: 1 }, consumer }),
    );
    transports.push(transport);
    transport.subscribe({
      groupId: `fairness-${uniqueSuffix()}`,
      topics: [topic],
      handle: (record) => log.handle(record, handleMs),
    });
    await transport.start();
    await waitUntil(
      () => log.deliveries.size >= FLOOD + FEW,
      () => `${FLOOD + FEW} records handled, got ${log.deliveries.size}`,
      90_000,
    );
    // Anything handled twice would show up by now.
    await sleep(200);
    return log;
  }

  function expectEachHandledOnce(log: CompletionLog): void {
    expect(log.deliveries.size).toBe(FLOOD + FEW);
    expect([...log.deliveries].filter(([, count]) => count !== 1)).toEqual([]);
  }

  it("with look-ahead, finishes tenant B's few records long before tenant A's backlog on the same key drains", async () => {
    const topic = await floodThenFew(() => 'tenant-a');
    const log = await consume(topic, { maxBufferedRecords: 5_000, lookAheadIntervalMs: 50 }, 2);

    expectEachHandledOnce(log);
    expect(log.seqsOf('tenant-a')).toEqual(Array.from({ length: FLOOD }, (_, seq) => seq));
    expect(log.seqsOf('tenant-b')).toEqual(Array.from({ length: FEW }, (_, seq) => seq));
    const aBeforeLastB = log.finishedBeforeLastOf('tenant-a', 'tenant-b');
    expect(aBeforeLastB).toBeLessThan(FLOOD / 2);
    process.stdout.write(
      `fairness (one key): B's last record finished after ${aBeforeLastB} of A's ${FLOOD}\n`,
    );
  }, 120_000);

  it("with a per-tenant limit, keeps tenant A's many keys from taking every slot ahead of tenant B", async () => {
    const topic = await floodThenFew((seq) => `tenant-a-order-${seq}`);
    const log = await consume(
      topic,
      { maxConcurrentKeys: 8, maxConcurrentPerTenant: 2, maxBufferedRecords: 5_000, lookAheadIntervalMs: 50 },
      3,
    );

    expectEachHandledOnce(log);
    expect(log.mostRunning.get('tenant-a')).toBe(2);
    expect(log.seqsOf('tenant-b')).toEqual(Array.from({ length: FEW }, (_, seq) => seq));
    const aBeforeLastB = log.finishedBeforeLastOf('tenant-a', 'tenant-b');
    expect(aBeforeLastB).toBeLessThan(FLOOD / 2);
    process.stdout.write(
      `fairness (many keys): B's last record finished after ${aBeforeLastB} of A's ${FLOOD}\n`,
    );
  }, 120_000);

  it("without these options, finishes each fetched batch first, so B's records wait behind most of A's", async () => {
    const topic = await floodThenFew(() => 'tenant-a');
    const log = await consume(topic, {}, 2);

    expectEachHandledOnce(log);
    expect(log.seqsOf('tenant-a')).toEqual(Array.from({ length: FLOOD }, (_, seq) => seq));
    const aBeforeFirstB = log.finishedBeforeFirstOf('tenant-a', 'tenant-b');
    expect(aBeforeFirstB).toBeGreaterThanOrEqual(FLOOD / 2);
    process.stdout.write(
      `fairness (default): B's first record finished after ${aBeforeFirstB} of A's ${FLOOD}\n`,
    );
  }, 120_000);
});

function event(topic: string, tenantId: string, partitionKey: string, seq: number): TransportRecord {
  return encodeCloudEvent(
    {
      id: `${tenantId}-${seq}-${uniqueSuffix()}`,
      type: 'OrderPlaced',
      source: '/orders/fairness-test',
      time: new Date().toISOString(),
      message: { tenantId, seq, pad: PAD },
      correlationId: `${tenantId}-${seq}`,
      tenantId,
      partitionKey,
      topic,
      headers: { seq: String(seq) },
    },
    topic,
  );
}
