import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { InvalidTenantIdError } from '../context/invalid-tenant-id.error.js';
import { RESOLVED_TENANCY_OPTIONS } from '../module/tenancy-tokens.js';
import type { ResolvedTenancyOptions } from '../module/resolved-options.js';
import type { TenantRequest } from './tenant-resolver.js';

/** What resolving an HTTP request's tenant gave: a valid tenant id, or why there is none. */
export type TenantResolution =
  | { readonly tenantId: string; readonly problem?: undefined }
  | { readonly tenantId?: undefined; readonly problem: string };

/**
 * Runs the configured resolvers over a request, and remembers the outcome for the rest of the
 * request, so the scope guard can explain a missing tenant without resolving again.
 */
@Injectable()
export class TenantResolutionService {
  private readonly outcomes = new AsyncLocalStorage<TenantResolution>();

  constructor(@Inject(RESOLVED_TENANCY_OPTIONS) private readonly options: ResolvedTenancyOptions) {}

  /** Asks each resolver in turn; the first value found decides, valid or not. */
  async resolve(request: TenantRequest): Promise<TenantResolution> {
    const rule = this.options.tenantIdRule;
    for (const resolver of this.options.resolvers) {
      const found = await resolver.resolve(request);
      if (found === undefined) continue;
      if (rule.isValid(found)) return { tenantId: found };
      return { problem: new InvalidTenantIdError(found, resolver.description, rule.description).message };
    }
    const places = this.options.resolvers.map((resolver) => resolver.description).join(', ');
    return { problem: `A tenant is required: the request names none (looked in ${places})` };
  }

  /** Runs `fn` with `outcome` as the current request's resolution. */
  remember<T>(outcome: TenantResolution, fn: () => T): T {
    return this.outcomes.run(outcome, fn);
  }

  /** The current request's resolution, when the tenancy middleware ran for it. */
  current(): TenantResolution | undefined {
    return this.outcomes.getStore();
  }
}
