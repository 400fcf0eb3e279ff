import { NonRetryableError } from '@momentum/messaging';

/**
 * Tenant-scoped code ran without a tenant. Non-retryable: a message without a tenant does not gain
 * one by being retried, so it is dead-lettered at once with this error as the reason.
 */
export class MissingTenantError extends NonRetryableError {
  constructor(
    message = 'No tenant in the current context: TenantContext.require() was called outside a ' +
      'tenant-scoped request or message (use TenantContext.run(tenantId, fn) for background work)',
  ) {
    super(message);
    this.name = 'MissingTenantError';
  }
}
