import type { TopicAccessRules } from '../access/topic-access-rules.js';
import type { AuditOptions } from '../audit/audit-options.js';
import type { TenantIdFormat } from '../context/tenant-id-format.js';
import type { TenantResolver } from '../http/tenant-resolver.js';

/** Options of `TenancyModule.forRoot` / `forRootAsync`. */
export interface TenancyModuleOptions {
  /**
   * The request header the default resolver reads. Default `x-tenant-id`. Not allowed together
   * with `resolvers` (add a `HeaderTenantResolver` to the list instead).
   */
  readonly header?: string;
  /**
   * How an HTTP request names its tenant, tried in order; the first resolver that finds a value
   * wins, and a value in the wrong format is a 400 (later resolvers are not asked). Default: one
   * `HeaderTenantResolver` for `header`.
   */
  readonly resolvers?: readonly TenantResolver[];
  /** What a valid tenant id looks like. Default `'uuid'`. */
  readonly tenantIdFormat?: TenantIdFormat;
  /** Which topics this service may publish to and consume from; everything is allowed without it. */
  readonly topicAccess?: TopicAccessRules;
  /** Records every publish and handling outcome in an audit sink; off without it. */
  readonly audit?: AuditOptions;
}
