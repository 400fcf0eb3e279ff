import { randomBytes, randomUUID } from 'node:crypto';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EventTopic,
  InMemoryBroker,
  InMemoryTransport,
  MessageBus,
  MessagingModule,
  PartitionKey,
  type DeadLetterReason,
  type IncomingRecord,
  type MessageTransport,
  type TransportRecord,
  type TransportSubscription,
} from '@momentum/messaging';
import { Outbox, OutboxMessagingBridge, OutboxModule } from '@momentum/outbox';
import { DataSource } from 'typeorm';
import { compare, perSecond, summarize, type Summary, type Variant } from './support/measure.js';
import { ratio, type Benchmark, type BenchResult } from './support/report.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TRANSACTIONS_PER_ROUND = 1_000;
const WRITE_ROUNDS = 7;
const BACKLOG = 100_000;
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

/**
 * An in-memory transport that times a drain: from the start of the first publish to the end of the
 * publish that brings the total to `expected`.
 */
class DrainTimer implements MessageTransport {
  readonly name = 'in-memory';
  readonly external = false;
  readonly done: Promise<number>;
  private readonly inner = new InMemoryTransport({ broker: new InMemoryBroker() });
  private published = 0;
  private firstStart = 0;
  private finish!: (elapsedMs: number) => void;

  constructor(private readonly expected: number) {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  subscribe(subscription: TransportSubscription): void {
    this.inner.subscribe(subscription);
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  async publish(records: readonly TransportRecord[]): Promise<void> {
    if (this.published === 0) this.firstStart = performance.now();
    await this.inner.publish(records);
    this.published += records.length;
    if (this.published >= this.expected) this.finish(performance.now() - this.firstStart);
  }
  deadLetter(record: IncomingRecord, reason: DeadLetterReason): Promise<void> {
    return this.inner.deadLetter(record, reason);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** An app with the bus and the outbox on `schema`, the relay on or off. */
async function startApp(
  schema: string,
  relay: { enabled: boolean; batchSize?: number },
  transport: MessageTransport = new InMemoryTransport({ broker: new InMemoryBroker() }),
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      MessagingModule.forRootAsync({
        imports: [
          OutboxModule.forRoot({
            url: DATABASE_URL,
            schema,
            autoCreate: true,
            nodes: { mode: 'solo' },
            relay,
          }),
        ],
        inject: [OutboxMessagingBridge],
        useFactory: (outbox: OutboxMessagingBridge) =>
          outbox.messagingOptions({ serviceName: 'bench', transports: [transport] }),
      }),
    ],
  })
  class BenchModule {}
  return NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
}

/** Runs `count` transactions one after another; returns transactions per second. */
async function transactionsPerSecond(count: number, transaction: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await transaction();
  return perSecond(count, performance.now() - started);
}

/** The median of `a[i] / b[i]` over interleaved rounds, which cancels drift between rounds. */
function pairedRatio(a: Summary, b: Summary): number {
  return summarize(a.samples.map((sample, round) => sample / b.samples[round]!)).median;
}

/**
 * A business transaction (insert one order row) alone, and the same transaction publishing one and
 * five integration events through the outbox (rows in the same transaction). The relay runs in
 * another app (schema) for the target variants, so they measure the write; a last variant has
 * this app's relay draining alongside, for the whole picture.
 */
export const outboxWriteBenchmark: Benchmark = {
  name: 'outbox-write',
  description: `business transaction alone vs with 1 and 5 outbox messages (${TRANSACTIONS_PER_ROUND} sequential transactions per round, real PostgreSQL)`,
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
    ];
    try {
      const summaries = await compare(variants, WRITE_ROUNDS);
      const alone = summaries['business transaction alone']!;
      const relayOn = pairedRatio(alone, summaries['with 1 outbox message, relay on']!);
      const floor = pairedRatio(alone, summaries['with 1 row in a second table (floor)']!);
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

/**
 * The relay draining a 100,000-message backlog (100 keys) to an in-memory broker, one transaction
 * per batch: batch size 1 vs the default (500).
 */
export const relayDrainBenchmark: Benchmark = {
  name: 'relay-drain',
  description: `relay draining a ${BACKLOG.toLocaleString('en')}-message backlog: batch size 1 vs default 500 (real PostgreSQL, in-memory broker)`,
  async run(): Promise<BenchResult> {
    const schema = `bench_relay_${randomBytes(4).toString('hex')}`;
    const app = await startApp(schema, { enabled: false });
    const outbox = app.get(Outbox);
    const bus = app.get(MessageBus);
    // One real message, stored through the bus, is the template of the backlog.
    await outbox.transaction(() => bus.publish(new BenchOrderPlaced('template')));
    await outbox.dataSource.query(`CREATE TABLE "${schema}".template AS SELECT * FROM "${schema}".outgoing`);
    await outbox.dataSource.query(`DELETE FROM "${schema}".outgoing`);
    const fill = () =>
      outbox.dataSource.query(
        `INSERT INTO "${schema}".outgoing (id, transport, topic, partition_key, headers, body, message_type)
         SELECT gen_random_uuid()::text, t.transport, t.topic, 'order-' || (n % ${KEYS}), t.headers, t.body, t.message_type
         FROM generate_series(1, ${BACKLOG}) AS n, "${schema}".template AS t`,
      );
    const drain = (batchSize: number) => async (): Promise<number> => {
      await fill();
      await outbox.dataSource.query(`VACUUM ANALYZE "${schema}".outgoing`);
      const timer = new DrainTimer(BACKLOG);
      const relaying = await startApp(schema, { enabled: true, batchSize }, timer);
      const elapsedMs = await timer.done;
      await relaying.close();
      const left = await outbox.dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".outgoing`);
      if (left[0].n !== 0) throw new Error(`${left[0].n} messages left after the drain`);
      return perSecond(BACKLOG, elapsedMs);
    };
    try {
      const summaries = await compare(
        [
          { name: 'batch size 1', round: drain(1) },
          { name: 'batch size 500 (default)', round: drain(500) },
        ],
        1,
        0,
      );
      return {
        name: 'relay-drain',
        unit: 'messages/s',
        variants: summaries,
        ratios: [
          ratio(
            'default batch / batch size 1 (throughput)',
            summaries['batch size 500 (default)']!.median / summaries['batch size 1']!.median,
            '≥ 10',
          ),
        ],
        notes: ['one round each: a round is a full 100,000-message drain'],
      };
    } finally {
      await app.close();
      await dropSchema(schema);
    }
  },
};

async function dropSchema(schema: string): Promise<void> {
  const admin = new DataSource({ type: 'postgres', url: DATABASE_URL });
  await admin.initialize();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.destroy();
}
