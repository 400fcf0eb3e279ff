import { SetMetadata } from '@nestjs/common';

/** Metadata key of {@link TenantAgnostic}. */
export const TENANT_AGNOSTIC_METADATA = 'momentum:tenancy:agnostic';

/**
 * Opts out of tenant scoping. Every HTTP route and every message handler is tenant-scoped by
 * default (like a global auth guard with a `@Public()` opt-out):
 *
 * - on a controller class or route method: requests need no tenant (a valid one, if sent, is still
 *   put in the `TenantContext`);
 * - on an `@EventHandler()` method: messages without a tenant are handled instead of dead-lettered;
 *   the handler runs in the message's tenant context when it carries a valid tenant, else in none.
 */
export const TenantAgnostic = (): ClassDecorator & MethodDecorator =>
  SetMetadata(TENANT_AGNOSTIC_METADATA, true);

/** Whether a handler method (or class) was marked {@link TenantAgnostic}. */
export function isTenantAgnostic(target: object): boolean {
  return Reflect.getMetadata(TENANT_AGNOSTIC_METADATA, target) === true;
}
