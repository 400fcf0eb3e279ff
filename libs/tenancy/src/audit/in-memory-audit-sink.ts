import type { AuditEntry } from './audit-entry.js';
import type { AuditQuery, AuditSink } from './audit-sink.js';

/** An {@link AuditSink} in process memory: for tests and the embedded mode; lost on restart. */
export class InMemoryAuditSink implements AuditSink {
  private readonly entries: AuditEntry[] = [];

  async append(entries: readonly AuditEntry[]): Promise<void> {
    this.entries.push(...entries);
  }

  async query(query: AuditQuery): Promise<AuditEntry[]> {
    const matches = this.entries.filter(
      (entry) =>
        (query.tenantId === undefined || entry.tenantId === query.tenantId) &&
        (query.correlationId === undefined || entry.correlationId === query.correlationId) &&
        (query.since === undefined || entry.at >= query.since),
    );
    return matches.slice(0, query.limit ?? matches.length);
  }
}
