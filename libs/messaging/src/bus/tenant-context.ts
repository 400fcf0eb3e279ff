import { NonRetryableError } from '../errors/messaging-errors.js';

/**
 * The ambient tenant of the code that is running, as the tenancy module keeps it (an
 * `AsyncLocalStorage`). Messages published without an explicit tenant, outside a handled message's
 * flow, take this tenant.
 */
export interface AmbientTenant {
  /** The tenant of the current async context, if any. */
  current(): string | undefined;
}

/** Publishing a message whose own tenant disagrees with the tenant it is published for; retrying cannot help. */
export class TenantMismatchError extends NonRetryableError {
  constructor(
    readonly messageType: string,
    readonly messageTenant: string,
    readonly contextTenant: string,
  ) {
    super(
      `${messageType} carries tenant '${messageTenant}' but is published for tenant '${contextTenant}'; ` +
        'a message may only be published in its own tenant',
    );
    this.name = 'TenantMismatchError';
  }
}
