import { headerValue, type TenantRequest, type TenantResolver } from './tenant-resolver.js';

/** Options of {@link SubdomainTenantResolver}. */
export interface SubdomainTenantResolverOptions {
  /** The domain tenants are subdomains of, e.g. `example.com` for `acme.example.com`. */
  readonly baseDomain: string;
}

/**
 * Reads the tenant id from the first label of the `Host` header when the host is exactly one
 * label below `baseDomain` (`acme.example.com` → `acme`; `example.com` and `a.b.example.com`
 * resolve to none). Behind a proxy, make it forward the original `Host`. Hostnames are
 * case-insensitive, so the label is lower-cased.
 */
export class SubdomainTenantResolver implements TenantResolver {
  readonly description: string;
  private readonly suffix: string;

  constructor(options: SubdomainTenantResolverOptions) {
    const base = options?.baseDomain?.toLowerCase().replace(/^\.+|\.+$/g, '');
    if (!base) throw new TypeError('SubdomainTenantResolver: baseDomain must be a non-empty domain');
    this.suffix = `.${base}`;
    this.description = `subdomain of '${base}'`;
  }

  resolve(request: TenantRequest): string | undefined {
    const host = hostName(headerValue(request, 'host'));
    if (!host?.endsWith(this.suffix)) return undefined;
    const label = host.slice(0, -this.suffix.length);
    return label && !label.includes('.') ? label : undefined;
  }
}

/** The host name of a `Host` header value, lower-cased and without the port. */
function hostName(host: string | undefined): string | undefined {
  if (!host || host.startsWith('[')) return undefined; // IP literals name no tenant
  return host.replace(/:\d*$/, '').toLowerCase();
}
