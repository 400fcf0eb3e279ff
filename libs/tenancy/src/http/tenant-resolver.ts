/** The part of an HTTP request a {@link TenantResolver} reads: its headers (names in lower case). */
export interface TenantRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Finds the tenant an HTTP request is for. The tenancy middleware asks the configured resolvers in
 * order; the first one that returns a value wins. A resolver only extracts: the format is checked
 * afterwards, and whether the caller may act for that tenant is the auth layer's decision.
 */
export interface TenantResolver {
  /** Where this resolver looks, for the 400 message, e.g. `header 'x-tenant-id'`. */
  readonly description: string;
  /** The tenant id the request names, or `undefined` when it names none this way. */
  resolve(request: TenantRequest): string | undefined | Promise<string | undefined>;
}

/** The single value of header `name`, trimmed; `undefined` when absent or empty. */
export function headerValue(request: TenantRequest, name: string): string | undefined {
  const raw = request.headers[name];
  // Node joins repeated custom headers with ', '; keep that so a doubled tenant fails validation
  const value = (Array.isArray(raw) ? raw.join(', ') : raw)?.trim();
  return value ? value : undefined;
}
