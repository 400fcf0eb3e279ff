import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable } from '@nestjs/common';
import type { AmbientTenant } from '@momentum/messaging';
import { RESOLVED_TENANCY_OPTIONS } from '../module/tenancy-tokens.js';
import type { ResolvedTenancyOptions } from '../module/resolved-options.js';
import { MissingTenantError } from './missing-tenant.error.js';

/**
 * The tenant of the code that is running, held in an `AsyncLocalStorage`: set for a whole HTTP
 * request by the tenancy middleware and for each handled message by the tenancy message
 * middleware, readable by injection anywhere (services, handlers, repositories). It is also the
 * bus's `ambientTenant`, so messages published during a request carry the request's tenant.
 */
@Injectable()
export class TenantContext implements AmbientTenant {
  private readonly storage = new AsyncLocalStorage<string>();

  constructor(@Inject(RESOLVED_TENANCY_OPTIONS) private readonly options: ResolvedTenancyOptions) {}

  /** The current tenant id, or `undefined` outside any tenant's work. */
  current(): string | undefined {
    return this.storage.getStore();
  }

  /** The current tenant id; throws a {@link MissingTenantError} when there is none. */
  require(): string {
    const tenantId = this.current();
    if (tenantId === undefined) throw new MissingTenantError();
    return tenantId;
  }

  /**
   * Runs `fn` (and everything it starts) as `tenantId`'s work. Throws an `InvalidTenantIdError` when
   * the id does not have the configured format, so the context never holds a malformed tenant.
   */
  run<T>(tenantId: string, fn: () => T): T {
    return this.storage.run(this.options.tenantIdRule.check(tenantId, 'TenantContext.run'), fn);
  }

  /**
   * Runs `fn` with no tenant, even when called from inside a tenant's work: for tenant-agnostic
   * work, which must not inherit whichever tenant happened to start the async chain.
   */
  runWithoutTenant<T>(fn: () => T): T {
    return this.storage.exit(fn);
  }
}
