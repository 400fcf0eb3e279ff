import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Producer } from 'kafkajs';
import { KafkaTransport, type TransportRecord } from '@momentum/messaging';
import { BROKERS, benchCloudEvent } from './support/infra.js';
import { compare, pairedRatio, perSecond, type Variant } from './support/measure.js';
import { ratio, type Benchmark, type BenchResult } from './support/report.js';

const BATCH_SIZES = [1, 100, 500] as const;
/** Records per round, so a round lasts about a second at either end of the range. */
const RECORDS_PER_ROUND: Record<(typeof BATCH_SIZES)[number], number> = {
  1: 1_000,
  100: 20_000,
  500: 50_000,
};
const ROUNDS = 7;
const TENANTS = Array.from({ length: 8 }, (_, i) => `tenant-${i}`);

/** The same ~500-byte binary-mode CloudEvent for both variants, one per tenant (key). */
function cloudEvents(topic: string): TransportRecord[] {
  return TENANTS.map((tenantId) =>
    benchCloudEvent(topic, 'app_domain.orders.order-placed', tenantId, { tenantId }),
  );
}

function recordSize(record: TransportRecord): number {
  const headers = Object.entries(record.headers).reduce(
    (sum, [name, value]) => sum + name.length + value.length,
    0,
  );
  return (record.key?.length ?? 0) + (record.value?.length ?? 0) + headers;
}

/** Sends `total` records in rounds of `batchSize`, each round awaited; returns records per second. */
async function measure(
  total: number,
  batchSize: number,
  sendBatch: (offset: number) => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  for (let sent = 0; sent < total; sent += batchSize) await sendBatch(sent);
  return perSecond(total, performance.now() - started);
}

/** Raw kafkajs: an idempotent producer, one awaited `send` of `batchSize` records (`acks=all`). */
function rawVariant(producer: Producer, events: TransportRecord[], batchSize: number): Variant {
  const messages = (offset: number) =>
    Array.from({ length: batchSize }, (_, i) => {
      const { key, value, headers } = events[(offset + i) % events.length]!;
      return { key, value, headers: { ...headers } };
    });
  const topic = events[0]!.topic;
  return {
    name: `raw kafkajs, batch ${batchSize}`,
    round: () =>
      measure(RECORDS_PER_ROUND[batchSize as 1], batchSize, (offset) =>
        producer.send({ topic, acks: -1, messages: messages(offset) }),
      ),
  };
}

/** Ours: `batchSize` concurrent `publish` calls, coalesced by the transport, all awaited. */
function transportVariant(transport: KafkaTransport, events: TransportRecord[], batchSize: number): Variant {
  return {
    name: `KafkaTransport, ${batchSize} concurrent publishes`,
    round: () =>
      measure(RECORDS_PER_ROUND[batchSize as 1], batchSize, (offset) =>
        Promise.all(
          Array.from({ length: batchSize }, (_, i) =>
            transport.publish([events[(offset + i) % events.length]!]),
          ),
        ),
      ),
  };
}

/** Publishing throughput: our Kafka transport against a raw kafkajs producer, same records, same batch size. */
export const publishBenchmark: Benchmark = {
  name: 'publish',
  description: `KafkaTransport vs raw kafkajs producer, ~500-byte CloudEvents, acks=all, batch sizes ${BATCH_SIZES.join('/')}`,
  async run(): Promise<BenchResult> {
    const kafka = new kafkajs.Kafka({
      brokers: BROKERS,
      clientId: 'bench-raw',
      logLevel: kafkajs.logLevel.ERROR,
    });
    const topic = `bench.publish.${randomUUID().slice(0, 8)}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 4, replicationFactor: 1 }],
    });
    const producer = kafka.producer({
      idempotent: true,
      allowAutoTopicCreation: false,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    // The benchmark creates its topic itself; the transport provisions nothing (no dead-letter topic either).
    const transport = new KafkaTransport({
      brokers: BROKERS,
      clientId: 'bench-ours',
      topicDefaults: { provision: 'none' },
    });
    await transport.start();
    try {
      const events = cloudEvents(topic);
      const variants = BATCH_SIZES.flatMap((size) => [
        rawVariant(producer, events, size),
        transportVariant(transport, events, size),
      ]);
      const results = await compare(variants, ROUNDS);
      return {
        name: 'publish',
        unit: 'records/s',
        variants: results,
        ratios: BATCH_SIZES.map((size) =>
          ratio(
            `ours / raw kafkajs, batch ${size} (median of per-round ratios)`,
            pairedRatio(
              results[`KafkaTransport, ${size} concurrent publishes`]!,
              results[`raw kafkajs, batch ${size}`]!,
            ),
            '≥ 0.8',
          ),
        ),
        notes: [
          `Single local broker (${BROKERS.join(',')}), 4-partition topic, keys over ${TENANTS.length} tenants, record ≈ ${recordSize(events[0]!)} bytes (key + value + headers).`,
          'Both producers are idempotent with acks=all and no compression; every batch is awaited before the next.',
          'Ours: each publish() is one call with one record; concurrent calls share a producer request (maxBatchSize 500, linger 0).',
          'Ratios pair the rounds that ran back to back (the machine is shared, so round-to-round drift is large) and take the median.',
        ],
      };
    } finally {
      await Promise.all([transport.close(), producer.disconnect()]);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  },
};
