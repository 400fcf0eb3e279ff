import kafkajs from 'kafkajs';
import pg from 'pg';
import {
  DATABASE_URL,
  benchCloudEvent,
  createTopic,
  deleteTopics,
  dropSchema,
  rawKafka,
  recordSize,
  uniqueSuffix,
} from './support/infra.js';
import { compare, perSecond, type Variant } from './support/measure.js';
import type { Benchmark, BenchResult } from './support/report.js';

const ROUNDS = 3;
const INSERT_SECONDS = 3;
const PRODUCE_RECORDS = 100_000;

/**
 * Autocommit single-row INSERTs for `seconds` on `clients` connections at once; returns commits per
 * second over all of them.
 */
async function insertCommits(clients: pg.Client[], table: string, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1_000;
  const started = performance.now();
  const counts = await Promise.all(
    clients.map(async (client) => {
      let n = 0;
      while (performance.now() < deadline) {
        await client.query({
          name: 'bench-insert',
          text: `INSERT INTO ${table} (payload) VALUES ($1)`,
          values: ['x'.repeat(100)],
        });
        n++;
      }
      return n;
    }),
  );
  return perSecond(
    counts.reduce((a, b) => a + b, 0),
    performance.now() - started,
  );
}

/**
 * What this machine can do at most, for context: autocommit single-row INSERT commits per second
 * on this PostgreSQL (one connection, and eight for group commit), and the raw kafkajs producer's
 * best throughput (large batches, acks=all).
 */
export const ceilingsBenchmark: Benchmark = {
  name: 'ceilings',
  description:
    'machine ceilings: PostgreSQL autocommit single-row INSERT commits/s; raw kafkajs producer records/s (large batches, acks=all)',
  async run(): Promise<BenchResult> {
    const suffix = uniqueSuffix();
    const schema = `bench_ceilings_${suffix}`;
    const table = `"${schema}".rows`;
    const topic = `bench.ceilings.${suffix}`;
    const clients = Array.from({ length: 8 }, () => new pg.Client({ connectionString: DATABASE_URL }));
    await Promise.all(clients.map((client) => client.connect()));
    const [first] = clients;
    await first!.query(`CREATE SCHEMA "${schema}"`);
    await first!.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, payload text NOT NULL)`);
    const settings = await first!.query(
      `SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'wal_sync_method', 'commit_delay') ORDER BY name`,
    );
    const version = (await first!.query('SHOW server_version')).rows[0].server_version as string;

    const kafka = rawKafka('bench-ceilings');
    const admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topic, 4);
    const idempotent = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    const plain = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    });
    await Promise.all([idempotent.connect(), plain.connect()]);
    const records = Array.from({ length: 1_000 }, (_, i) => {
      const { key, value, headers } = benchCloudEvent(
        topic,
        'app_domain.orders.order-placed',
        `order-${i % 100}`,
      );
      return { key, value, headers: { ...headers } };
    });
    const size = recordSize({ topic, ...records[0]! });
    const batchOf = (n: number) => Array.from({ length: n }, (_, i) => records[i % records.length]!);
    /** `PRODUCE_RECORDS` records in awaited sends of `batch`, `concurrent` sends in flight at once. */
    const produce = (producer: typeof plain, batch: number, concurrent: number) => async () => {
      const messages = batchOf(batch);
      const sends = PRODUCE_RECORDS / batch;
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrent }, async () => {
          while (next < sends) {
            next++;
            await producer.send({ topic, acks: -1, messages });
          }
        }),
      );
      return perSecond(PRODUCE_RECORDS, performance.now() - started);
    };
    const variants: Variant[] = [
      {
        name: 'PostgreSQL: INSERT commits/s, 1 connection',
        round: () => insertCommits([first!], table, INSERT_SECONDS),
      },
      {
        name: 'PostgreSQL: INSERT commits/s, 8 connections',
        round: () => insertCommits(clients, table, INSERT_SECONDS),
      },
      { name: 'kafkajs idempotent producer: records/s, batch 1,000', round: produce(idempotent, 1_000, 1) },
      { name: 'kafkajs idempotent producer: records/s, batch 5,000', round: produce(idempotent, 5_000, 1) },
      {
        name: 'kafkajs producer: records/s, batch 1,000, 4 sends in flight',
        round: produce(plain, 1_000, 4),
      },
    ];
    try {
      const summaries = await compare(variants, ROUNDS);
      return {
        name: 'ceilings',
        unit: 'per second',
        variants: summaries,
        ratios: [],
        notes: [
          `PostgreSQL ${version}: ${settings.rows.map((row: { name: string; setting: string }) => `${row.name}=${row.setting}`).join(', ')}; autocommit INSERT of one ~100-byte row (prepared statement), ${INSERT_SECONDS} s per round`,
          `kafkajs: ${PRODUCE_RECORDS.toLocaleString('en')} records of ≈ ${size} bytes per round, acks=all, no compression, 4-partition topic on the single local broker`,
          `${ROUNDS} interleaved rounds after one warm-up round each`,
        ],
      };
    } finally {
      await Promise.all([idempotent.disconnect(), plain.disconnect()]);
      await deleteTopics(admin, [topic]);
      await admin.disconnect();
      await Promise.all(clients.map((client) => client.end()));
      await dropSchema(schema);
    }
  },
};
