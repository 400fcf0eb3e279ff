import { Injectable, type NestMiddleware } from '@nestjs/common';
import { TenantContext } from '../context/tenant-context.js';
import { TenantResolutionService, type TenantResolution } from './tenant-resolution.js';
import type { TenantRequest } from './tenant-resolver.js';

/**
 * Resolves each request's tenant and runs the rest of the request (guards, interceptors, pipes,
 * handlers and everything they await) inside that tenant's context. It never rejects a request
 * itself: middleware cannot see which route will answer, so {@link TenantScopeGuard} decides.
 */
@Injectable()
export class TenantHttpMiddleware implements NestMiddleware<TenantRequest> {
  constructor(
    private readonly resolution: TenantResolutionService,
    private readonly tenants: TenantContext,
  ) {}

  async use(request: TenantRequest, _response: unknown, next: (error?: unknown) => void): Promise<void> {
    let outcome: TenantResolution;
    try {
      outcome = await this.resolution.resolve(request);
    } catch (error) {
      next(error); // a failing custom resolver (e.g. a lookup) is a server error, not a bad request
      return;
    }
    const { tenantId } = outcome;
    this.resolution.remember(outcome, () =>
      // without a tenant, explicitly none: the request must not inherit a context from elsewhere
      tenantId === undefined
        ? this.tenants.runWithoutTenant(() => next())
        : this.tenants.run(tenantId, () => next()),
    );
  }
}
