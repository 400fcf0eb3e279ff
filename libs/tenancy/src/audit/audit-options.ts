import type { AuditSink } from './audit-sink.js';

/** The `audit` option of `TenancyModule`. */
export interface AuditOptions {
  readonly sink: AuditSink;
  /** Most entries written per sink call. Default 100. */
  readonly batchSize?: number;
  /** Most entries waiting to be written; beyond it new entries are dropped with a warning. Default 10,000. */
  readonly maxBuffered?: number;
  /** Wait before retrying a failed batch. Default 1,000 ms. */
  readonly retryDelayMs?: number;
  /** How long shutdown waits for unwritten entries. Default 5,000 ms. */
  readonly shutdownTimeoutMs?: number;
}

/** Audit options with every default applied. */
export type ResolvedAuditOptions = Required<AuditOptions>;

/** Defaults of the optional {@link AuditOptions}. */
export const AUDIT_DEFAULTS = {
  batchSize: 100,
  maxBuffered: 10_000,
  retryDelayMs: 1_000,
  shutdownTimeoutMs: 5_000,
} as const satisfies Omit<ResolvedAuditOptions, 'sink'>;
