import type { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql.js';
import type { StoreTables } from '../schema/store-tables.js';
import type { StoredEnvelope } from '../incoming/stored-envelope.js';
import type { StoredDeadLetter, StoredDeadLetterQuery } from './stored-dead-letter.js';

interface DeadLetterRecord {
  id: string;
  message_id: string;
  message_type: string;
  body: unknown;
  headers: Record<string, string>;
  envelope: StoredEnvelope | null;
  tenant_id: string | null;
  correlation_id: string | null;
  source: string;
  handler: string | null;
  consumer: string | null;
  transport: string | null;
  topic: string | null;
  partition_key: string | null;
  error_type: string;
  error_message: string;
  error_stack: string | null;
  attempts: number;
  failed_at: Date;
  replayable: boolean;
}

const COLUMNS = `id, message_id, message_type, body, headers, envelope, tenant_id, correlation_id, source, handler,
  consumer, transport, topic, partition_key, error_type, error_message, error_stack, attempts, failed_at, replayable`;

/** SQL over the `dead_letters` table. */
export class DeadLetterTable {
  constructor(private readonly t: StoreTables) {}

  async insert(manager: EntityManager, letter: StoredDeadLetter): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.t.deadLetters} (${COLUMNS})
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
      [
        letter.id,
        letter.messageId,
        letter.messageType,
        JSON.stringify(letter.body ?? null),
        JSON.stringify(letter.headers),
        letter.envelope ? JSON.stringify(letter.envelope) : null,
        letter.tenantId ?? null,
        letter.correlationId ?? null,
        letter.source,
        letter.handler ?? null,
        letter.consumer ?? null,
        letter.transport ?? null,
        letter.topic ?? null,
        letter.partitionKey ?? null,
        letter.errorType,
        letter.errorMessage,
        letter.errorStack ?? null,
        letter.attempts,
        letter.failedAt,
        letter.replayable,
      ],
    );
  }

  /** Dead letters matching `query`, oldest failure first. */
  async list(manager: EntityManager, query: StoredDeadLetterQuery = {}): Promise<StoredDeadLetter[]> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const where = (sql: string, value: unknown): void => {
      parameters.push(value);
      conditions.push(sql.replace('?', `$${parameters.length}`));
    };
    if (query.messageType !== undefined) where('message_type = ?', query.messageType);
    if (query.tenantId !== undefined) where('tenant_id = ?', query.tenantId);
    if (query.source !== undefined) where('source = ?', query.source);
    if (query.since !== undefined) where('failed_at >= ?', query.since);
    if (query.until !== undefined) where('failed_at <= ?', query.until);
    parameters.push(query.limit ?? null, query.offset ?? 0);
    const rows = await queryRows<DeadLetterRecord>(
      manager,
      `SELECT ${COLUMNS} FROM ${this.t.deadLetters}
       ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY failed_at, id LIMIT $${parameters.length - 1} OFFSET $${parameters.length}`,
      parameters,
    );
    return rows.map(fromRecord);
  }

  /** One dead letter; with `lock`, locked for the caller's transaction (replay, discard). */
  async get(manager: EntityManager, id: string, lock = false): Promise<StoredDeadLetter | undefined> {
    const [row] = await queryRows<DeadLetterRecord>(
      manager,
      `SELECT ${COLUMNS} FROM ${this.t.deadLetters} WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ? fromRecord(row) : undefined;
  }

  /** Deletes dead letters; returns how many existed. */
  async delete(manager: EntityManager, ids: readonly string[]): Promise<number> {
    const rows = await queryRows(
      manager,
      `DELETE FROM ${this.t.deadLetters} WHERE id = ANY($1::uuid[]) RETURNING 1`,
      [ids],
    );
    return rows.length;
  }
}

function fromRecord(row: DeadLetterRecord): StoredDeadLetter {
  return {
    id: row.id,
    messageId: row.message_id,
    messageType: row.message_type,
    body: row.body,
    headers: row.headers,
    envelope: row.envelope ?? undefined,
    tenantId: row.tenant_id ?? undefined,
    correlationId: row.correlation_id ?? undefined,
    source: row.source,
    handler: row.handler ?? undefined,
    consumer: row.consumer ?? undefined,
    transport: row.transport ?? undefined,
    topic: row.topic ?? undefined,
    partitionKey: row.partition_key ?? undefined,
    errorType: row.error_type,
    errorMessage: row.error_message,
    errorStack: row.error_stack ?? undefined,
    attempts: row.attempts,
    failedAt: new Date(row.failed_at),
    replayable: row.replayable,
  };
}
