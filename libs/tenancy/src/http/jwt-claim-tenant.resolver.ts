import { headerValue, type TenantRequest, type TenantResolver } from './tenant-resolver.js';

/** Options of {@link JwtClaimTenantResolver}. */
export interface JwtClaimTenantResolverOptions {
  /** The payload claim holding the tenant id, matched exactly (namespaced claims contain dots). Default `tenant_id`. */
  readonly claim?: string;
}

const BEARER = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/i;

/**
 * Reads the tenant id from a claim of the `Authorization: Bearer <JWT>` token's payload.
 *
 * It does NOT verify the token's signature, expiry or audience: verification is the auth layer's
 * job (a guard or passport strategy that rejects bad tokens before they matter). Use this resolver
 * only behind such a layer, or behind a gateway that verifies tokens; otherwise anyone can forge a
 * token naming any tenant. A missing, malformed or claim-less token resolves to no tenant.
 */
export class JwtClaimTenantResolver implements TenantResolver {
  readonly description: string;
  private readonly claim: string;

  constructor(options: JwtClaimTenantResolverOptions = {}) {
    this.claim = options.claim ?? 'tenant_id';
    if (!this.claim) throw new TypeError('JwtClaimTenantResolver: claim must be a non-empty string');
    this.description = `claim '${this.claim}' of the bearer token`;
  }

  resolve(request: TenantRequest): string | undefined {
    const payload = decodePayload(headerValue(request, 'authorization'));
    const value = payload?.[this.claim];
    return typeof value === 'string' && value ? value : undefined;
  }
}

/** The JSON payload of a bearer JWT, or `undefined` when there is no well-formed one. */
function decodePayload(authorization: string | undefined): Record<string, unknown> | undefined {
  const match = authorization ? BEARER.exec(authorization) : null;
  if (!match) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(match[2]!, 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
