import { BadRequestException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TenantContext } from '../context/tenant-context.js';
import { TENANT_AGNOSTIC_METADATA } from '../scope/tenant-agnostic.decorator.js';
import { TenantResolutionService } from './tenant-resolution.js';

/**
 * Registered globally by `TenancyModule`: answers 400 to an HTTP request for a tenant-scoped route
 * (every route not marked `@TenantAgnostic()`) that has no valid tenant, with the reason. Other
 * contexts (RPC, WebSocket, GraphQL) pass: messages are scoped by the tenancy message middleware.
 */
@Injectable()
export class TenantScopeGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tenants: TenantContext,
    private readonly resolution: TenantResolutionService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || this.tenants.current() !== undefined) return true;
    const agnostic = this.reflector.getAllAndOverride<boolean | undefined>(TENANT_AGNOSTIC_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (agnostic) return true;
    throw new BadRequestException(
      this.resolution.current()?.problem ??
        'A tenant is required, but the tenancy middleware did not run for this route',
    );
  }
}
