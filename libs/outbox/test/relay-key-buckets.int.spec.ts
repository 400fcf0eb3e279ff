// Concurrent relay claims on real PostgreSQL: a key's rows are claimed by one relay at a time, so a
// second relay neither locks rows it could not send in order nor blocks the first; relays asking for
// different bucket halves share a backlog, each sending its keys in order.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource, type QueryRunner } from 'typeorm';
import { ALL_BUCKETS, KEY_BUCKETS } from '../src/outgoing/key-buckets.js';
import type { ClaimedRow } from '../src/outgoing/outgoing-store.js';
import { ensureStoreSchema } from '../src/schema/ensure-store-schema.js';
import { MessageStore } from '../src/schema/message-store.js';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { outgoingRow } from './support/test-messages.js';

const LOWER = ALL_BUCKETS.slice(0, KEY_BUCKETS / 2);
const UPPER = ALL_BUCKETS.slice(KEY_BUCKETS / 2);
const ROWS_PER_KEY = 5;

describe('relay claims by key bucket (PostgreSQL)', () => {
  const schema = uniqueSchema('buckets');
  let dataSource: DataSource;
  let store: MessageStore;
  let holder: QueryRunner | undefined;
  /** Four keys whose bucket is in the lower half, four in the upper half. */
  let keys: { lower: string[]; upper: string[] };

  beforeAll(async () => {
    dataSource = new DataSource({ type: 'postgres', url: databaseUrl() });
    await dataSource.initialize();
    store = new MessageStore(dataSource, schema, false);
    await ensureStoreSchema(dataSource, store.tables);
    const buckets: { key: string; bucket: number }[] = await dataSource.query(
      `SELECT k AS key, mod(abs(hashtext(k)::bigint), ${KEY_BUCKETS})::int AS bucket
       FROM unnest($1::text[]) AS k`,
      [Array.from({ length: 64 }, (_, i) => `order-${i}`)],
    );
    keys = {
      lower: buckets
        .filter((b) => b.bucket < KEY_BUCKETS / 2)
        .slice(0, 4)
        .map((b) => b.key),
      upper: buckets
        .filter((b) => b.bucket >= KEY_BUCKETS / 2)
        .slice(0, 4)
        .map((b) => b.key),
    };
  }, 30_000);

  afterEach(async () => {
    if (holder?.isTransactionActive) await holder.rollbackTransaction();
    await holder?.release();
    holder = undefined;
    await dataSource.query(`DELETE FROM ${store.tables.outgoing}`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropSchema(schema);
  }, 30_000);

  /** Rows of every key interleaved (k1, k2, …, k1, k2, …), then two rows without a key. */
  async function backlog(): Promise<void> {
    const all = [...keys.lower, ...keys.upper];
    const rows = [];
    for (let n = 0; n < ROWS_PER_KEY; n++) for (const key of all) rows.push(outgoingRow(`${key}-${n}`, key));
    rows.push(outgoingRow('loose-1', null), outgoingRow('loose-2', null));
    await store.outgoing.insert(dataSource.manager, rows);
  }

  /** Claims in a transaction left open (as a relay does while it sends). */
  async function holdClaim(limit: number, buckets: readonly number[]): Promise<ClaimedRow[]> {
    holder = dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    return store.outgoing.claim(holder.manager, limit, buckets);
  }

  const claim = (limit: number, buckets: readonly number[]) =>
    dataSource.transaction((tx) => store.outgoing.claim(tx, limit, buckets));

  it('while one relay holds every bucket, another claims no keyed row, only rows without a key', async () => {
    await backlog();
    const first = await holdClaim(10, ALL_BUCKETS);
    expect(first).toHaveLength(10);
    expect(first.every((row) => row.inOrder)).toBe(true);

    const second = await claim(100, ALL_BUCKETS);

    expect(second.map((row) => row.id).sort()).toEqual(['loose-1', 'loose-2']);
  }, 30_000);

  it('relays asking for different halves claim different keys side by side, each key complete and in order', async () => {
    await backlog();
    const lower = await holdClaim(100, LOWER);
    const upper = await claim(100, UPPER);

    const keysOf = (rows: ClaimedRow[]) => [...new Set(rows.flatMap((row) => row.partitionKey ?? []))].sort();
    expect(keysOf(lower)).toEqual([...keys.lower].sort());
    expect(keysOf(upper)).toEqual([...keys.upper].sort());
    for (const rows of [lower, upper]) {
      expect(rows.filter((row) => row.partitionKey !== null)).toHaveLength(4 * ROWS_PER_KEY);
      expect(rows.every((row) => row.inOrder)).toBe(true);
    }
    const loose = [...lower, ...upper].filter((row) => row.partitionKey === null).map((row) => row.id);
    expect(loose.sort()).toEqual(['loose-1', 'loose-2']);
  }, 30_000);
});
