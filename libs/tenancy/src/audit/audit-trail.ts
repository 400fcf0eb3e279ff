import { Injectable } from '@nestjs/common';
import { TenantContext } from '../context/tenant-context.js';
import type { AuditEntry } from './audit-entry.js';
import { AuditRecorder } from './audit-recorder.js';
import type { AuditQuery } from './audit-sink.js';

/** Filter of {@link AuditTrail} queries. */
export interface AuditFilter {
  /** Only one business flow. */
  readonly correlationId?: string;
  /** Only entries at or after this time. */
  readonly since?: Date;
  /** At most this many entries. Default 1,000. */
  readonly limit?: number;
}

const DEFAULT_LIMIT = 1_000;

/**
 * Reads the audit trail, tenant-scoped by default: {@link query} and {@link flow} only ever return
 * the current tenant's entries (and throw a `MissingTenantError` outside a tenant's request or
 * message); reading across tenants takes the explicit {@link queryAllTenants}. Entries come oldest
 * first. Entries are written in the background: call {@link flush} to read your own writes.
 */
@Injectable()
export class AuditTrail {
  constructor(
    private readonly tenants: TenantContext,
    private readonly recorder: AuditRecorder,
  ) {}

  /** The current tenant's entries. */
  async query(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    return this.read({ ...filter, tenantId: this.tenants.require() });
  }

  /** One business flow of the current tenant, followed across services by its correlation id. */
  flow(correlationId: string): Promise<AuditEntry[]> {
    return this.query({ correlationId });
  }

  /** Entries of every tenant, or of `tenantId` only: for operators, never on behalf of one tenant's user. */
  async queryAllTenants(filter: AuditFilter & { readonly tenantId?: string } = {}): Promise<AuditEntry[]> {
    return this.read(filter);
  }

  /** Resolves once every entry recorded so far is written. */
  flush(): Promise<void> {
    return this.recorder.flush();
  }

  private read(query: AuditQuery): Promise<AuditEntry[]> {
    return this.recorder.auditOptions().sink.query({ ...query, limit: query.limit ?? DEFAULT_LIMIT });
  }
}
