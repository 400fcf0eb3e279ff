import { InvalidTenantIdError } from './invalid-tenant-id.error.js';

/**
 * What a valid tenant id looks like: `'uuid'` (any RFC 9562 UUID, the default), a regular
 * expression the whole id must match, or a predicate.
 */
export type TenantIdFormat = 'uuid' | RegExp | ((tenantId: string) => boolean);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A {@link TenantIdFormat} ready to check ids, with a description for error messages. */
export class TenantIdRule {
  /** How a valid id is described in errors, e.g. `a UUID`. */
  readonly description: string;
  private readonly accepts: (tenantId: string) => boolean;

  constructor(format: TenantIdFormat) {
    if (format === 'uuid') {
      this.accepts = (id) => UUID.test(id);
      this.description = 'a UUID';
    } else if (format instanceof RegExp) {
      this.accepts = (id) => format.test(id);
      this.description = `an id matching ${format}`;
    } else {
      this.accepts = format;
      this.description = 'an id accepted by the configured tenantIdFormat';
    }
  }

  /** Whether `tenantId` is a non-empty string of this format. */
  isValid(tenantId: unknown): tenantId is string {
    return typeof tenantId === 'string' && tenantId.length > 0 && this.accepts(tenantId);
  }

  /** Returns `tenantId` when valid; otherwise throws an {@link InvalidTenantIdError} naming `origin`. */
  check(tenantId: unknown, origin: string): string {
    if (this.isValid(tenantId)) return tenantId;
    throw new InvalidTenantIdError(tenantId, origin, this.description);
  }
}
