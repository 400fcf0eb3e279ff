import { headerValue, type TenantRequest, type TenantResolver } from './tenant-resolver.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Whether `name` is a valid HTTP header name (an RFC 9110 token). */
export function isHeaderName(name: unknown): name is string {
  return typeof name === 'string' && TOKEN.test(name);
}

/** The request header naming the tenant unless configured otherwise. */
export const DEFAULT_TENANT_HEADER = 'x-tenant-id';

/** Reads the tenant id from a request header, {@link DEFAULT_TENANT_HEADER} by default. */
export class HeaderTenantResolver implements TenantResolver {
  readonly description: string;
  private readonly header: string;

  constructor(header = DEFAULT_TENANT_HEADER) {
    if (!isHeaderName(header))
      throw new TypeError(`HeaderTenantResolver: invalid header name ${JSON.stringify(header)}`);
    this.header = header.toLowerCase();
    this.description = `header '${this.header}'`;
  }

  resolve(request: TenantRequest): string | undefined {
    return headerValue(request, this.header);
  }
}
