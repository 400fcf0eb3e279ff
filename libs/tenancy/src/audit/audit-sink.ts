import type { AuditEntry } from './audit-entry.js';

/** Filter of {@link AuditSink.query}. */
export interface AuditQuery {
  /** Only this tenant's entries; every tenant's when absent (tenant scoping is `AuditTrail`'s job). */
  readonly tenantId?: string;
  /** Only one business flow. */
  readonly correlationId?: string;
  /** Only entries at or after this time. */
  readonly since?: Date;
  /** At most this many entries. */
  readonly limit?: number;
}

/** Where audit entries are kept: `InMemoryAuditSink`, `PostgresAuditSink`, or your own. */
export interface AuditSink {
  /** Prepares storage (e.g. creates the table); called once at startup, failing the startup if it fails. */
  init?(): Promise<void>;
  /** Stores a batch of entries, all or none; a rejection makes the recorder retry the batch. */
  append(entries: readonly AuditEntry[]): Promise<void>;
  /** Matching entries, oldest first. */
  query(query: AuditQuery): Promise<AuditEntry[]>;
  /** Releases resources; called once at shutdown after the last batch. */
  close?(): Promise<void>;
}
