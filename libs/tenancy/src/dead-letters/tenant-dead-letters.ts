import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  DEAD_LETTER_STORE,
  type DeadLetter,
  type DeadLetterQuery,
  type DeadLetterStore,
} from '@momentum/messaging';
import { TenantContext } from '../context/tenant-context.js';

/**
 * Dead letters, tenant-scoped by default: {@link list} returns only the current tenant's (and throws
 * a `MissingTenantError` outside a tenant's request or message); reading every tenant's takes the
 * explicit {@link listAllTenants}. Reads the bus's `DEAD_LETTER_STORE`, whichever store it is.
 */
@Injectable()
export class TenantDeadLetters {
  private store?: DeadLetterStore;

  constructor(
    private readonly tenants: TenantContext,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The current tenant's dead letters; a `tenantId` in `query` is ignored. */
  async list(query: Omit<DeadLetterQuery, 'tenantId'> = {}): Promise<DeadLetter[]> {
    return this.deadLetterStore().list({ ...query, tenantId: this.tenants.require() });
  }

  /** Dead letters of every tenant, or of `query.tenantId`: for operators, never on behalf of one tenant's user. */
  async listAllTenants(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    return this.deadLetterStore().list(query);
  }

  /** Looked up on first use: the store belongs to the bus, which tenancy does not import. */
  private deadLetterStore(): DeadLetterStore {
    try {
      this.store ??= this.moduleRef.get<DeadLetterStore>(DEAD_LETTER_STORE, { strict: false });
      return this.store;
    } catch (error) {
      throw new Error(
        'TenantDeadLetters needs the message bus: import MessagingModule (global) in the application',
        {
          cause: error,
        },
      );
    }
  }
}
