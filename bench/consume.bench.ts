import { Injectable, Module, type INestApplicationContext, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventHandler, EventTopic, KafkaTransport, MessagingModule } from '@momentum/messaging';
import { OutboxMessagingBridge, OutboxModule, type OutboxModuleOptions } from '@momentum/outbox';
import pg from 'pg';
import {
  BROKERS,
  DATABASE_URL,
  benchCloudEvent,
  createTopic,
  deleteTopics,
  dropSchema,
  produceAll,
  rawKafka,
  recordSize,
  uniqueSuffix,
} from './support/infra.js';
import { pairedRatio, perSecond, summarize } from './support/measure.js';
import { ratio, type Benchmark, type BenchResult, type Ratio } from './support/report.js';

const RECORDS = Number(process.env.BENCH_CONSUME_RECORDS ?? 50_000);
const WARMUP_RECORDS = 5_000;
const ROUNDS = Number(process.env.BENCH_CONSUME_ROUNDS ?? 3);
const PARTITIONS = 4;
const KEYS = 100;
/** A round that has not consumed everything after this long has failed. */
const ROUND_TIMEOUT_MS = 600_000;

/**
 * Extra `OutboxModule` options that turn on a batched inbox write, as JSON in `BENCH_BATCHED_INBOX`
 * (default `{"inbox":{"mode":"batched"}}`; an empty value leaves the batched variant out). If an app
 * with these options cannot start (the option is not there), the variant is left out with a note.
 */
const BATCHED_INBOX = process.env.BENCH_BATCHED_INBOX ?? '{"inbox":{"mode":"batched"}}';

/** Counts consumed records and times the first one's start to the last one's end. */
class Tally {
  private count = 0;
  private first = 0;
  private finish!: (elapsedMs: number) => void;
  readonly done: Promise<number>;

  constructor(private readonly expected: number) {
    this.done = new Promise((resolve, reject) => {
      this.finish = resolve;
      setTimeout(
        () => reject(new Error(`consumed ${this.count} of ${expected} records in ${ROUND_TIMEOUT_MS} ms`)),
        ROUND_TIMEOUT_MS,
      ).unref();
    });
  }

  started(): void {
    if (this.first === 0) this.first = performance.now();
  }

  consumed(n = 1): void {
    this.count += n;
    if (this.count === this.expected) this.finish(performance.now() - this.first);
  }
}

type InboxMode = 'none' | 'per-message' | 'batched';

/**
 * The records' message topic (= their CloudEvents type) and a no-op handler for it that counts into
 * `current.tally`. Kafka topics are mapped to it with the transport's `topicName`.
 */
function consumerFlow(messageTopic: string) {
  const current: { tally: Tally | undefined } = { tally: undefined };

  @EventTopic(messageTopic)
  class BenchOrderPlaced {
    readonly orderId!: string;
  }

  @Injectable()
  class NoOpHandler {
    @EventHandler()
    on(event: BenchOrderPlaced): void {
      void event;
      current.tally!.started();
      current.tally!.consumed();
    }
  }
  return { current, NoOpHandler };
}

/** An app consuming `kafkaTopic` as `groupId` with the no-op handler, with or without the durable inbox. */
async function startConsumer(
  flow: ReturnType<typeof consumerFlow>,
  kafkaTopic: string,
  groupId: string,
  inbox: InboxMode,
  schema: string,
): Promise<INestApplicationContext> {
  const transport = () =>
    new KafkaTransport({
      brokers: BROKERS,
      clientId: 'bench-consume',
      topicName: () => kafkaTopic,
      topicDefaults: { provision: 'none' },
    });
  const base = { serviceName: 'bench-consume', consumerGroup: groupId };
  const outboxOptions: OutboxModuleOptions = {
    url: DATABASE_URL,
    schema,
    autoCreate: true,
    nodes: { mode: 'solo' },
    relay: { enabled: false },
    ...(inbox === 'batched' ? (JSON.parse(BATCHED_INBOX!) as Partial<OutboxModuleOptions>) : {}),
  };
  const imports: ModuleMetadata['imports'] =
    inbox === 'none'
      ? [MessagingModule.forRoot({ ...base, transports: [transport()] })]
      : [
          MessagingModule.forRootAsync({
            imports: [OutboxModule.forRoot(outboxOptions)],
            inject: [OutboxMessagingBridge],
            useFactory: (outbox: OutboxMessagingBridge) =>
              outbox.messagingOptions({ ...base, transports: [transport()] }),
          }),
        ];
  @Module({ imports, providers: [flow.NoOpHandler] })
  class ConsumerModule {}
  return NestFactory.createApplicationContext(ConsumerModule, { logger: ['error'] });
}

/** Raw kafkajs: an `eachBatch` consumer that does nothing with the records but count them. */
async function rawRound(kafkaTopic: string, groupId: string, expected: number): Promise<number> {
  const consumer = rawKafka('bench-consume-raw').consumer({ groupId });
  const tally = new Tally(expected);
  await consumer.connect();
  await consumer.subscribe({ topics: [kafkaTopic], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch }) => {
      tally.started();
      tally.consumed(batch.messages.length);
    },
  });
  try {
    return perSecond(expected, await tally.done);
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Consuming a pre-filled topic from the beginning with a fresh consumer group: raw kafkajs
 * `eachBatch` doing nothing vs our Kafka transport with a no-op `@EventHandler`, without and with
 * the durable inbox.
 */
export const consumeBenchmark: Benchmark = {
  name: 'consume',
  description: `raw kafkajs eachBatch vs KafkaTransport + no-op handler, without and with the durable inbox (${RECORDS.toLocaleString('en')} pre-produced ~500-byte CloudEvents, fresh group per round)`,
  async run(): Promise<BenchResult> {
    const suffix = uniqueSuffix();
    const messageTopic = `bench.consume.${suffix}`;
    const warmTopic = `bench.consume-warmup.${suffix}`;
    const schemas = { 'per-message': `bench_consume_${suffix}`, batched: `bench_consume_batched_${suffix}` };
    const kafka = rawKafka('bench-consume-setup');
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    let size = 0;
    try {
      for (const [kafkaTopic, count] of [
        [messageTopic, RECORDS],
        [warmTopic, WARMUP_RECORDS],
      ] as const) {
        await createTopic(admin, kafkaTopic, PARTITIONS);
        await produceAll(producer, kafkaTopic, count, (i) => {
          const record = benchCloudEvent(kafkaTopic, messageTopic, `order-${i % KEYS}`);
          size = recordSize(record);
          return record;
        });
      }
      const flow = consumerFlow(messageTopic);
      let round = 0;
      const group = (variant: string) => `bench-consume-${suffix}-${variant}-${round++}`;
      const ours = (inbox: InboxMode) => async (kafkaTopic: string, expected: number) => {
        const tally = new Tally(expected);
        flow.current.tally = tally;
        const schema = inbox === 'none' ? '' : schemas[inbox];
        const app = await startConsumer(flow, kafkaTopic, group(inbox), inbox, schema);
        try {
          return perSecond(expected, await tally.done);
        } finally {
          await app.close();
          // Keep the inbox table the same size for every round.
          if (inbox !== 'none') await db.query(`TRUNCATE "${schema}".incoming`);
        }
      };
      const variants: { name: string; round: (kafkaTopic: string, expected: number) => Promise<number> }[] = [
        { name: 'raw kafkajs eachBatch (no work)', round: (t, n) => rawRound(t, group('raw'), n) },
        { name: 'KafkaTransport, no-op handler', round: ours('none') },
        { name: 'KafkaTransport + durable inbox (per message)', round: ours('per-message') },
        ...(BATCHED_INBOX
          ? [{ name: 'KafkaTransport + durable inbox (batched)', round: ours('batched') }]
          : []),
      ];
      const only = process.env.BENCH_CONSUME_ONLY; // a substring of variant names, for profiling
      if (only) variants.splice(0, variants.length, ...variants.filter((v) => v.name.includes(only)));
      const skipped: string[] = [];
      for (const variant of [...variants]) {
        try {
          await variant.round(warmTopic, WARMUP_RECORDS);
        } catch (error) {
          if (!variant.name.includes('batched')) throw error;
          variants.splice(variants.indexOf(variant), 1);
          skipped.push(`${variant.name} left out: ${(error as Error).message}`);
        }
      }
      const samples = new Map(variants.map((variant) => [variant.name, [] as number[]]));
      for (let i = 0; i < ROUNDS; i++)
        for (const variant of variants) {
          const rate = await variant.round(messageTopic, RECORDS);
          console.log(`  round ${i + 1}: ${variant.name}: ${rate.toFixed(0)} records/s`);
          samples.get(variant.name)!.push(rate);
        }
      const summaries = Object.fromEntries(
        variants.map((variant) => [variant.name, summarize(samples.get(variant.name)!)]),
      );
      const raw = summaries['raw kafkajs eachBatch (no work)']!;
      if (only) return { name: 'consume-partial', unit: 'records/s', variants: summaries, ratios: [] };
      const batched = summaries['KafkaTransport + durable inbox (batched)'];
      const ratios: Ratio[] = [
        ratio(
          'consume with durable inbox (per message) / raw',
          pairedRatio(summaries['KafkaTransport + durable inbox (per message)']!, raw),
          '≥ 0.25',
        ),
      ];
      if (batched)
        ratios.push(ratio('consume with durable inbox (batched) / raw', pairedRatio(batched, raw), '≥ 0.25'));
      return {
        name: 'consume',
        unit: 'records/s',
        variants: summaries,
        ratios,
        notes: [
          `${RECORDS.toLocaleString('en')} records (≈ ${size} bytes: key + value + headers) on a ${PARTITIONS}-partition topic, ${KEYS} keys, single local broker; ${ROUNDS} interleaved rounds after one warm-up round per variant on a ${WARMUP_RECORDS.toLocaleString('en')}-record topic`,
          'every round consumes the whole topic from the beginning with a fresh consumer group; the rate is records / (end of the last record − start of the first), so group joins and app start-up are not counted',
          'ours: MessagingModule + KafkaTransport with default consumer settings (8 partitions and 8 keys concurrently), a no-op @EventHandler; the inbox variants add OutboxModule (real PostgreSQL, synchronous_commit on, pool of 10, relay off) through OutboxMessagingBridge.messagingOptions',
          `KafkaTransport no-op / raw: ${pairedRatio(summaries['KafkaTransport, no-op handler']!, raw).toFixed(3)}`,
          ...(batched
            ? [
                `batched inbox options: ${BATCHED_INBOX}; batched / per message: ${pairedRatio(batched, summaries['KafkaTransport + durable inbox (per message)']!).toFixed(3)}`,
              ]
            : []),
          ...skipped,
        ],
      };
    } finally {
      await producer.disconnect();
      await deleteTopics(admin, [messageTopic, warmTopic]);
      await admin.disconnect();
      await db.end();
      for (const schema of Object.values(schemas)) await dropSchema(schema);
    }
  },
};
