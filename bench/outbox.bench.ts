import { randomBytes, randomUUID } from 'node:crypto';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EventTopic,
  InMemoryBroker,
  InMemoryTransport,
  MessageBus,
  PartitionKey,
  type MessageTransport,
} from '@momentum/messaging';
import { Outbox } from '@momentum/outbox';
import { DataSource } from 'typeorm';
import { BROKERS, DATABASE_URL, createTopic, outboxMessagingModule, rawKafka } from './support/infra.js';
import { compare, pairedRatio, perSecond, type Variant } from './support/measure.js';
import { ObservedKafkaTransport } from './support/observed-kafka-transport.js';
import { ratio, type Benchmark, type BenchResult } from './support/report.js';

const TRANSACTIONS_PER_ROUND = 1_000;
/** Concurrent connections of the loaded variants (the reference suite measures at 1 and 8). */
const CONNECTIONS = 8;
const WRITE_ROUNDS = Number(process.env.BENCH_WRITE_ROUNDS ?? 7);
const BACKLOG = 100_000;
/** The batch-size-1 drain is ~100× slower: a smaller backlog keeps it to about a minute. */
const BATCH1_BACKLOG = Number(process.env.BENCH_RELAY_BATCH1_BACKLOG ?? 20_000);
const RELAY_ROUNDS = Number(process.env.BENCH_RELAY_ROUNDS ?? 3);
const KEYS = 100;

/** The integration event the business transaction publishes (~300 bytes on the wire). */
@EventTopic('app_domain.bench.order-placed')
class BenchOrderPlaced {
  @PartitionKey()
  readonly orderId: string;
  readonly customerId = randomUUID();
  readonly lines = [{ sku: 'SKU-0001', quantity: 2, unitPrice: 19.99 }];
  readonly total = 39.98;

  constructor(orderId: string) {
    this.orderId = orderId;
  }
}

/** An app with the bus and the outbox on `schema`, the relay on or off. */
async function startApp(
  schema: string,
  relay: { enabled: boolean; batchSize?: number },
  transport: MessageTransport = new InMemoryTransport({ broker: new InMemoryBroker() }),
): Promise<INestApplicationContext> {
  @Module({
    imports: [outboxMessagingModule({ schema, relay }, { serviceName: 'bench', transports: [transport] })],
  })
  class BenchModule {}
  return NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
}

/**
 * Runs `count` transactions on `connections` connections, each running its share one after another;
 * returns transactions per second.
 */
async function transactionsPerSecond(
  count: number,
  transaction: () => Promise<unknown>,
  connections = 1,
): Promise<number> {
  const started = performance.now();
  const share = count / connections;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = 0; i < share; i++) await transaction();
    }),
  );
  return perSecond(count, performance.now() - started);
}

/**
 * A business transaction (insert one order row) alone, and the same transaction publishing one and
 * five integration events through the outbox (rows in the same transaction). The relay runs in
 * another app (schema) for the target variants, so they measure the write; a last variant has
 * this app's relay draining alongside, for the whole picture.
 */
export const outboxWriteBenchmark: Benchmark = {
  name: 'outbox-write',
  description: `business transaction alone vs with 1 and 5 outbox messages (${TRANSACTIONS_PER_ROUND} transactions per round, one after another on one connection and on ${CONNECTIONS} at once, real PostgreSQL)`,
  async run(): Promise<BenchResult> {
    const writer = await writerApp(false);
    const relaying = await writerApp(true);
    const variants: Variant[] = [
      {
        name: 'business transaction alone',
        round: () => transactionsPerSecond(TRANSACTIONS_PER_ROUND, writer.alone),
      },
      {
        name: 'with 1 outbox message',
        round: () => transactionsPerSecond(TRANSACTIONS_PER_ROUND, writer.withMessages(1)),
      },
      {
        name: 'with 5 outbox messages',
        round: () => transactionsPerSecond(TRANSACTIONS_PER_ROUND, writer.withMessages(5)),
      },
      {
        name: 'with 1 outbox message, relay on',
        round: () => transactionsPerSecond(TRANSACTIONS_PER_ROUND, relaying.withMessages(1)),
      },
      {
        name: 'with 1 row in a second table (floor)',
        round: () => transactionsPerSecond(TRANSACTIONS_PER_ROUND, writer.withSecondRow),
      },
      {
        name: `alone, ${CONNECTIONS} connections`,
        round: () => transactionsPerSecond(TRANSACTIONS_PER_ROUND, writer.alone, CONNECTIONS),
      },
      {
        name: `with 1 outbox message, ${CONNECTIONS} connections`,
        round: () => transactionsPerSecond(TRANSACTIONS_PER_ROUND, writer.withMessages(1), CONNECTIONS),
      },
      {
        name: `with 1 row in a second table (floor), ${CONNECTIONS} connections`,
        round: () => transactionsPerSecond(TRANSACTIONS_PER_ROUND, writer.withSecondRow, CONNECTIONS),
      },
    ];
    try {
      const summaries = await compare(variants, WRITE_ROUNDS);
      const alone = summaries['business transaction alone']!;
      const relayOn = pairedRatio(alone, summaries['with 1 outbox message, relay on']!);
      const floor = pairedRatio(alone, summaries['with 1 row in a second table (floor)']!);
      const aloneLoaded = summaries[`alone, ${CONNECTIONS} connections`]!;
      const loaded = pairedRatio(
        aloneLoaded,
        summaries[`with 1 outbox message, ${CONNECTIONS} connections`]!,
      );
      const floorLoaded = pairedRatio(
        aloneLoaded,
        summaries[`with 1 row in a second table (floor), ${CONNECTIONS} connections`]!,
      );
      return {
        name: 'outbox-write',
        unit: 'transactions/s',
        variants: summaries,
        ratios: [
          ratio(
            'time with 1 outbox message / alone',
            pairedRatio(alone, summaries['with 1 outbox message']!),
            '≤ 1.2',
          ),
          ratio(
            'time with 5 outbox messages / alone',
            pairedRatio(alone, summaries['with 5 outbox messages']!),
            '≤ 1.2',
          ),
        ],
        notes: [
          'synchronous_commit on; the outbox rows of a transaction are written with one INSERT just before COMMIT',
          `floor: any second INSERT (one row into another table) in the same transaction costs ${floor.toFixed(3)} × the time alone on this machine`,
          `on ${CONNECTIONS} connections at once: ${loaded.toFixed(3)} × the time alone with 1 outbox message, ${floorLoaded.toFixed(3)} × with a second-table row`,
          `with this app's relay draining alongside (one relay transaction per ~5 ms linger): ${relayOn.toFixed(3)} × the time alone`,
        ],
      };
    } finally {
      await writer.close();
      await relaying.close();
    }
  },
};

/** An app with its own schema and orders table, and the two kinds of business transaction. */
async function writerApp(relay: boolean) {
  const schema = `bench_outbox_${randomBytes(4).toString('hex')}`;
  const app = await startApp(schema, { enabled: relay });
  const outbox = app.get(Outbox);
  const bus = app.get(MessageBus);
  const orders = `"${schema}".orders`;
  const audit = `"${schema}".order_audit`;
  for (const table of [orders, audit])
    await outbox.dataSource.query(
      `CREATE TABLE ${table} (id bigserial PRIMARY KEY, order_id text NOT NULL, customer text NOT NULL, total numeric NOT NULL)`,
    );
  const insert = (
    manager: { query(sql: string, parameters: unknown[]): Promise<unknown> },
    table: string,
    orderId: string,
  ) =>
    manager.query(`INSERT INTO ${table} (order_id, customer, total) VALUES ($1, $2, $3)`, [
      orderId,
      'customer-1',
      39.98,
    ]);
  const insertOrder = (
    manager: { query(sql: string, parameters: unknown[]): Promise<unknown> },
    orderId: string,
  ) => insert(manager, orders, orderId);
  return {
    alone: () => outbox.dataSource.transaction((manager) => insertOrder(manager, randomUUID())),
    withSecondRow: () =>
      outbox.dataSource.transaction(async (manager) => {
        const orderId = randomUUID();
        await insertOrder(manager, orderId);
        await insert(manager, audit, orderId);
      }),
    withMessages: (count: number) => () =>
      outbox.transaction(async (manager) => {
        const orderId = randomUUID();
        await insertOrder(manager, orderId);
        for (let i = 0; i < count; i++) await bus.publish(new BenchOrderPlaced(orderId));
      }),
    close: async () => {
      await app.close();
      await dropSchema(schema);
    },
  };
}

/** Counts records a set of relays sent, and times the drain from the first send to the last. */
class DrainCounter {
  readonly done: Promise<number>;
  private sent = 0;
  private firstStart = 0;
  private finish!: (elapsedMs: number) => void;

  constructor(private readonly expected: number) {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  starting(): void {
    if (this.firstStart === 0) this.firstStart = performance.now();
  }

  sentRecords(count: number): void {
    this.sent += count;
    if (this.sent >= this.expected) this.finish(performance.now() - this.firstStart);
  }
}

/**
 * Relays draining an outbox backlog (100 keys) to the real Kafka broker, one transaction per batch:
 * batch size 1 vs the default (500), and one relay vs two relays (two apps in this process) on the
 * same 100,000-message backlog.
 */
export const relayDrainBenchmark: Benchmark = {
  name: 'relay-drain',
  description: `relays draining an outbox backlog to Kafka: batch size 1 (${BATCH1_BACKLOG.toLocaleString('en')} messages) vs default 500, one relay vs two (${BACKLOG.toLocaleString('en')} messages; real PostgreSQL and Kafka)`,
  async run(): Promise<BenchResult> {
    const schema = `bench_relay_${randomBytes(4).toString('hex')}`;
    const topic = `bench.relay-drain.${randomBytes(4).toString('hex')}`;
    const admin = rawKafka('bench-relay-setup').admin();
    await admin.connect();
    await createTopic(admin, topic, 4);
    const app = await startApp(schema, { enabled: false });
    const outbox = app.get(Outbox);
    const bus = app.get(MessageBus);
    // One real message, stored through the bus, is the template of the backlog.
    await outbox.transaction(() => bus.publish(new BenchOrderPlaced('template')));
    await outbox.dataSource.query(`CREATE TABLE "${schema}".template AS SELECT * FROM "${schema}".outgoing`);
    await outbox.dataSource.query(`DELETE FROM "${schema}".outgoing`);
    const fill = (count: number) =>
      outbox.dataSource.query(
        `INSERT INTO "${schema}".outgoing (id, transport, topic, partition_key, headers, body, message_type)
         SELECT gen_random_uuid()::text, 'kafka', $1, 'order-' || (n % ${KEYS}), t.headers, t.body, t.message_type
         FROM generate_series(1, ${'$'}2::int) AS n, "${schema}".template AS t`,
        [topic, count],
      );
    const drain = (batchSize: number, relays: number, backlog: number) => async (): Promise<number> => {
      await fill(backlog);
      await outbox.dataSource.query(`VACUUM ANALYZE "${schema}".outgoing`);
      const counter = new DrainCounter(backlog);
      const relaying = await Promise.all(
        Array.from({ length: relays }, () =>
          startApp(
            schema,
            { enabled: true, batchSize },
            new ObservedKafkaTransport('bench-relay', {
              sending: () => counter.starting(),
              sent: (records) => counter.sentRecords(records.length),
            }),
          ),
        ),
      );
      const elapsedMs = await counter.done;
      for (const relay of relaying) await relay.close();
      const left = await outbox.dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".outgoing`);
      if (left[0].n !== 0) throw new Error(`${left[0].n} messages left after the drain`);
      const rate = perSecond(backlog, elapsedMs);
      console.log(
        `  batch ${batchSize}, ${relays} relay(s), ${backlog} messages: ${rate.toFixed(0)} messages/s`,
      );
      return rate;
    };
    try {
      // Warm-up on small backlogs: the measured drains then all start with warm connections and JIT.
      await drain(1, 1, 1_000)();
      await drain(500, 1, 10_000)();
      const relays = await compare(
        [
          { name: 'batch size 1, one relay', round: drain(1, 1, BATCH1_BACKLOG) },
          { name: 'batch size 500 (default), one relay', round: drain(500, 1, BACKLOG) },
          { name: 'batch size 500 (default), two relays', round: drain(500, 2, BACKLOG) },
        ],
        RELAY_ROUNDS,
        0,
      );
      const one = relays['batch size 500 (default), one relay']!;
      const two = relays['batch size 500 (default), two relays']!;
      return {
        name: 'relay-drain',
        unit: 'messages/s',
        variants: relays,
        ratios: [
          ratio(
            'default batch / batch size 1 (throughput)',
            pairedRatio(one, relays['batch size 1, one relay']!),
            '≥ 10',
          ),
          ratio('two relays / one relay (throughput; anchor suggestion)', pairedRatio(two, one), '≥ 1.6'),
        ],
        notes: [
          `real Kafka broker (${BROKERS.join(',')}), 4-partition topic, KafkaTransport (idempotent, acks=all, maxBatchSize 500); ~500-byte rows over ${KEYS} keys`,
          `${RELAY_ROUNDS} interleaved rounds after a warm-up drain per batch size; batch size 1 drains ${BATCH1_BACKLOG.toLocaleString('en')} messages a round (one transaction a message, so its rate does not depend on the backlog, and ${BACKLOG.toLocaleString('en')} would take minutes a round), batch 500 drains ${BACKLOG.toLocaleString('en')}`,
          'two relays: two OutboxModule apps with a relay each on the same schema, in this process (one event loop); a drain is timed from the first send to the send that completes the backlog',
          'the two-relays target (≥ 1.6 on 2 cores) is the suggestion of the performance anchors (shared/reference/anchors-performance.md §8), not of the issue',
        ],
      };
    } finally {
      await app.close();
      await dropSchema(schema);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  },
};

async function dropSchema(schema: string): Promise<void> {
  const admin = new DataSource({ type: 'postgres', url: DATABASE_URL });
  await admin.initialize();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.destroy();
}
