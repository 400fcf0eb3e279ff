import type { MessageExecution, MessageMiddleware } from '@momentum/messaging';
import type { TenantContext } from '../context/tenant-context.js';
import type { TenantIdRule } from '../context/tenant-id-format.js';
import { MissingTenantError } from '../context/missing-tenant.error.js';
import { isTenantAgnostic } from '../scope/tenant-agnostic.decorator.js';
import { tenantOfEnvelope } from './message-tenant.js';

/**
 * Runs every handler inside its message's tenant context. A tenant-scoped handler (the default)
 * refuses a message without a tenant with a `MissingTenantError`, and one with a malformed tenant
 * with an `InvalidTenantIdError`; both are non-retryable, so the bus dead-letters the message at
 * once with that reason. A `@TenantAgnostic()` handler runs either way.
 *
 * The context is always set explicitly, to the message's tenant or to none: queue workers and
 * consumers may have been started inside some other tenant's async context.
 */
export class TenantMessageMiddleware implements MessageMiddleware {
  constructor(
    private readonly tenants: TenantContext,
    private readonly rule: TenantIdRule,
  ) {}

  async handle(execution: MessageExecution, next: () => Promise<unknown>): Promise<unknown> {
    const { envelope, handler } = execution;
    const tenantId = tenantOfEnvelope(envelope);
    if (isTenantAgnostic(handler.method)) {
      return this.rule.isValid(tenantId)
        ? this.tenants.run(tenantId, next)
        : this.tenants.runWithoutTenant(next);
    }
    if (tenantId === undefined) {
      throw new MissingTenantError(
        `${envelope.type} ${envelope.id} has no tenant (no tenant extension, no tenantId property), ` +
          `but ${handler.id} is tenant-scoped; mark it @TenantAgnostic() to handle tenant-less messages`,
      );
    }
    return this.tenants.run(this.rule.check(tenantId, `message ${envelope.type} ${envelope.id}`), next);
  }
}
