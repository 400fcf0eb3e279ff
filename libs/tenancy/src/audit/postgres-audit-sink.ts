import { Logger } from '@nestjs/common';
import pg from 'pg';
import { TenancyConfigurationError } from '../module/tenancy-configuration.error.js';
import type { AuditEntry, AuditKind, AuditResult } from './audit-entry.js';
import type { AuditQuery, AuditSink } from './audit-sink.js';

/** Options of {@link PostgresAuditSink}. */
export interface PostgresAuditSinkOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly connectionString: string;
  /** Schema of the table, created if missing. Default `momentum`. */
  readonly schema?: string;
  /** The table, created if missing. Default `audit_trail`. */
  readonly table?: string;
}

/** Unquoted PostgreSQL identifiers only: the names are interpolated into DDL. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

const COLUMNS = [
  'kind',
  'result',
  'tenant_id',
  'message_id',
  'message_type',
  'topic',
  'destination',
  'handler',
  'correlation_id',
  'causation_id',
  'reason',
  'at',
] as const;

type Row = { [K in (typeof COLUMNS)[number]]: K extends 'at' ? Date : string | null };

/**
 * The audit trail in a PostgreSQL table (`momentum.audit_trail` by default), created with its
 * indexes at startup if missing. Each batch is one multi-row insert; queries by tenant and by
 * correlation id use an index. Owns a small connection pool, closed at shutdown.
 */
export class PostgresAuditSink implements AuditSink {
  private readonly logger = new Logger('AuditTrail');
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly table: string;
  private readonly qualified: string;

  constructor(options: PostgresAuditSinkOptions) {
    this.schema = identifier('audit.sink.schema', options.schema ?? 'momentum');
    this.table = identifier('audit.sink.table', options.table ?? 'audit_trail');
    this.qualified = `"${this.schema}"."${this.table}"`;
    if (typeof options.connectionString !== 'string' || !options.connectionString)
      throw new TenancyConfigurationError(
        'audit.sink.connectionString',
        'must be a PostgreSQL connection string',
      );
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 2,
      connectionTimeoutMillis: 5_000,
      statement_timeout: 10_000,
    });
    // an idle connection dropped by the server must not crash the process; the next query reconnects
    this.pool.on('error', (error) => this.logger.warn(`audit connection lost: ${error.message}`));
  }

  /** Creates the schema, table and indexes if missing; concurrent starts serialise on an advisory lock. */
  async init(): Promise<void> {
    const client = await this.connect();
    try {
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [this.qualified]);
      await client.query(`create schema if not exists "${this.schema}"`);
      await client.query(this.createTable());
      await client.query(
        `create index if not exists "${this.table}_tenant_idx" on ${this.qualified} (tenant_id, at, seq)`,
      );
      await client.query(
        `create index if not exists "${this.table}_correlation_idx" on ${this.qualified} (correlation_id, at, seq)`,
      );
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw new Error(`PostgresAuditSink: cannot create ${this.qualified}: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      client.release();
    }
  }

  async append(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const values = entries.map(
      (_, row) => `(${COLUMNS.map((__, column) => `$${row * COLUMNS.length + column + 1}`).join(', ')})`,
    );
    await this.pool.query(
      `insert into ${this.qualified} (${COLUMNS.join(', ')}) values ${values.join(', ')}`,
      entries.flatMap(rowValues),
    );
  }

  async query(query: AuditQuery): Promise<AuditEntry[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    const condition = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(`${sql} $${params.length}`);
    };
    if (query.tenantId !== undefined) condition('tenant_id =', query.tenantId);
    if (query.correlationId !== undefined) condition('correlation_id =', query.correlationId);
    if (query.since !== undefined) condition('at >=', query.since);
    params.push(query.limit ?? null);
    const { rows } = await this.pool.query<Row>(
      `select ${COLUMNS.join(', ')} from ${this.qualified}` +
        (where.length ? ` where ${where.join(' and ')}` : '') +
        ` order by at, seq limit $${params.length}`,
      params,
    );
    return rows.map(entryOf);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      // the app will not start; release the pool so nothing keeps the process alive
      await this.pool.end().catch(() => undefined);
      throw new Error(
        `PostgresAuditSink: cannot connect to create ${this.qualified}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  private createTable(): string {
    return `create table if not exists ${this.qualified} (
      seq bigint generated always as identity primary key,
      kind text not null,
      result text not null,
      tenant_id text,
      message_id text,
      message_type text,
      topic text,
      destination text,
      handler text,
      correlation_id text,
      causation_id text,
      reason text,
      at timestamptz not null
    )`;
  }
}

function identifier(option: string, name: string): string {
  if (!IDENTIFIER.test(name))
    throw new TenancyConfigurationError(
      option,
      `must be a lower-case SQL identifier ([a-z_][a-z0-9_]*), got ${JSON.stringify(name)}`,
    );
  return name;
}

function rowValues(entry: AuditEntry): unknown[] {
  return [
    entry.kind,
    entry.result,
    entry.tenantId ?? null,
    entry.messageId ?? null,
    entry.messageType ?? null,
    entry.topic ?? null,
    entry.destination ?? null,
    entry.handler ?? null,
    entry.correlationId ?? null,
    entry.causationId ?? null,
    entry.reason ?? null,
    entry.at,
  ];
}

function entryOf(row: Row): AuditEntry {
  const optional = (value: string | null): string | undefined => value ?? undefined;
  return {
    kind: row.kind as AuditKind,
    result: row.result as AuditResult,
    tenantId: optional(row.tenant_id),
    messageId: optional(row.message_id),
    messageType: optional(row.message_type),
    topic: optional(row.topic),
    destination: optional(row.destination),
    handler: optional(row.handler),
    correlationId: optional(row.correlation_id),
    causationId: optional(row.causation_id),
    reason: optional(row.reason),
    at: row.at,
  };
}
