import type { EntityManager } from 'typeorm';
import type { StatementConfig } from '../database/pipelined-commit.js';
import type { PreparedStatements } from '../database/prepared-statements.js';
import { queryRows } from '../database/sql.js';
import type { StoreTables } from '../schema/store-tables.js';
import { ALL_BUCKETS, KEY_BUCKETS } from './key-buckets.js';

/** The outbox's unsent messages: what a health check reports. */
export interface OutboxBacklog {
  /** Messages committed and not yet acknowledged by their transport. */
  readonly messages: number;
  /** Age of the oldest of them, in milliseconds; 0 when there is none. */
  readonly oldestAgeMs: number;
}
/** A transport-bound record as the outbox stores it. */
export interface OutgoingRow {
  /** The message id (CloudEvents `id`). */
  readonly id: string;
  readonly transport: string;
  readonly topic: string;
  /** The record key: messages with the same key are sent in the order they were stored. */
  readonly partitionKey: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | null;
  readonly messageType: string;
  readonly tenantId?: string;
}

/** A row a relay claimed, with its position and whether sending it now keeps its key in order. */
export interface ClaimedRow extends OutgoingRow {
  readonly seq: string;
  readonly attempts: number;
  /**
   * False when an earlier row with the same key is still waiting (claimed by another relay, or
   * backing off): sending this one now would overtake it.
   */
  readonly inOrder: boolean;
}

interface ClaimedRecord {
  seq: string;
  id: string;
  transport: string;
  topic: string;
  partition_key: string | null;
  headers: Record<string, string>;
  body: string | null;
  message_type: string;
  tenant_id: string | null;
  attempts: number;
  in_order: boolean;
}

/** Columns of one inserted row (parameters per row). */
const INSERT_COLUMNS = 8;
/** Rows per INSERT statement: well under PostgreSQL's 65,535 parameters. */
const ROWS_PER_STATEMENT = 1_000;
/** Inserts of up to this many rows are prepared; bigger ones are rare and would each add a statement per connection. */
const MAX_PREPARED_ROWS = 10;

/** SQL over the `outgoing` table (the outbox). */
export class OutgoingStore {
  private readonly insertTexts = new Map<number, string>();

  constructor(
    private readonly t: StoreTables,
    private readonly statements: PreparedStatements,
  ) {}

  /** Inserts `rows` in order, in `manager`'s transaction, with one statement per {@link ROWS_PER_STATEMENT}. */
  async insert(manager: EntityManager, rows: readonly OutgoingRow[]): Promise<void> {
    for (const { text, parameters } of this.inserts(rows)) {
      if (parameters.length <= MAX_PREPARED_ROWS * INSERT_COLUMNS)
        await this.statements.rows(manager, text, parameters);
      else await manager.query(text, parameters);
    }
  }

  /** The statements {@link insert} runs, for a commit that sends them itself (see `commitPipelined`). */
  insertStatements(rows: readonly OutgoingRow[]): StatementConfig[] {
    return this.inserts(rows).map(({ text, parameters }) =>
      parameters.length <= MAX_PREPARED_ROWS * INSERT_COLUMNS
        ? this.statements.statement(text, parameters)
        : { text, values: parameters },
    );
  }

  /** The INSERT of `count` rows; kept per count, so a hot statement is built (and named) once. */
  private insertText(count: number): string {
    let text = this.insertTexts.get(count);
    if (!text) {
      const values = Array.from({ length: count }, (_, index) => {
        const n = index * INSERT_COLUMNS;
        return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}::jsonb, $${n + 6}::bytea, $${n + 7}, $${n + 8})`;
      });
      text = `INSERT INTO ${this.t.outgoing} (id, transport, topic, partition_key, headers, body, message_type, tenant_id)
         VALUES ${values.join(', ')}`;
      if (count <= MAX_PREPARED_ROWS) this.insertTexts.set(count, text);
    }
    return text;
  }

  private inserts(rows: readonly OutgoingRow[]): { text: string; parameters: unknown[] }[] {
    const inserts: { text: string; parameters: unknown[] }[] = [];
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
      const parameters = chunk.flatMap((row) => [
        row.id,
        row.transport,
        row.topic,
        row.partitionKey,
        JSON.stringify(row.headers),
        row.body,
        row.messageType,
        row.tenantId ?? null,
      ]);
      inserts.push({ text: this.insertText(chunk.length), parameters });
    }
    return inserts;
  }

  /**
   * Locks up to `limit` available rows, oldest first, skipping rows other relays hold
   * (`FOR UPDATE SKIP LOCKED`), and of the rows with a key only those whose key bucket (see
   * {@link KEY_BUCKETS}) is among `buckets` and free: the transaction takes those buckets' advisory
   * locks. A claimed row is `inOrder` when the earliest stored row of its key is claimed too and no
   * row of its key between its claimed ones is held elsewhere: only then can the claimed rows of that
   * key be sent without overtaking another.
   */
  async claim(
    manager: EntityManager,
    limit: number,
    buckets: readonly number[] = ALL_BUCKETS,
  ): Promise<ClaimedRow[]> {
    const rows = await queryRows<ClaimedRecord>(
      manager,
      `WITH held AS MATERIALIZED (
         SELECT b FROM unnest($2::int[]) AS b WHERE pg_try_advisory_xact_lock(hashtext($3), b)
       ), claimed AS (
         SELECT seq, id, transport, topic, partition_key, headers, body, message_type, tenant_id, attempts
         FROM ${this.t.outgoing}
         WHERE available_at <= now()
           AND (partition_key IS NULL
                OR mod(abs(hashtext(partition_key)::bigint), ${KEY_BUCKETS}) IN (SELECT b FROM held))
         ORDER BY seq
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       ), spans AS (
         SELECT k.partition_key,
                k.lo = (SELECT min(o.seq) FROM ${this.t.outgoing} o WHERE o.partition_key = k.partition_key)
                AND k.n = (SELECT count(*) FROM ${this.t.outgoing} o
                           WHERE o.partition_key = k.partition_key AND o.seq BETWEEN k.lo AND k.hi) AS in_order
         FROM (SELECT partition_key, min(seq) AS lo, max(seq) AS hi, count(*) AS n
               FROM claimed WHERE partition_key IS NOT NULL GROUP BY partition_key) k
       )
       SELECT c.seq::text AS seq, c.id, c.transport, c.topic, c.partition_key, c.headers,
              encode(c.body, 'base64') AS body, c.message_type, c.tenant_id, c.attempts,
              coalesce(s.in_order, true) AS in_order
       FROM claimed c LEFT JOIN spans s ON s.partition_key = c.partition_key
       ORDER BY c.seq`,
      [limit, buckets, this.t.relayBucketLock],
    );
    return rows.map(fromRecord);
  }

  /** Deletes sent rows. */
  async delete(manager: EntityManager, seqs: readonly string[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.statements.rows(manager, `DELETE FROM ${this.t.outgoing} WHERE seq = ANY($1::bigint[])`, [
      seqs,
    ]);
  }

  /** Counts a failed attempt and makes the row wait `delayMs` before it is claimed again. */
  async fail(manager: EntityManager, seq: string, delayMs: number, error: string): Promise<void> {
    await manager.query(
      `UPDATE ${this.t.outgoing}
       SET attempts = attempts + 1, available_at = now() + $2::int * interval '1 millisecond', last_error = $3
       WHERE seq = $1`,
      [seq, delayMs, error],
    );
  }

  /** How many rows wait to be sent, and how long the oldest has waited. */
  async backlog(manager: EntityManager): Promise<OutboxBacklog> {
    const [row] = await queryRows<OutboxBacklog>(
      manager,
      `SELECT count(*)::int AS messages,
              coalesce(floor(extract(epoch FROM now() - min(created_at)) * 1000), 0)::int AS "oldestAgeMs"
       FROM ${this.t.outgoing}`,
    );
    return row ?? { messages: 0, oldestAgeMs: 0 };
  }

  /** Rows waiting to be sent. */
  async count(manager: EntityManager): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      manager,
      `SELECT count(*)::int AS n FROM ${this.t.outgoing}`,
    );
    return row?.n ?? 0;
  }
}

function fromRecord(record: ClaimedRecord): ClaimedRow {
  return {
    seq: record.seq,
    id: record.id,
    transport: record.transport,
    topic: record.topic,
    partitionKey: record.partition_key,
    headers: record.headers,
    body: record.body === null ? null : Buffer.from(record.body, 'base64'),
    messageType: record.message_type,
    tenantId: record.tenant_id ?? undefined,
    attempts: record.attempts,
    inOrder: record.in_order,
  };
}
