import type { TopicAccessRules } from '../access/topic-access-rules.js';
import { AUDIT_DEFAULTS, type ResolvedAuditOptions } from '../audit/audit-options.js';
import { TenantIdRule } from '../context/tenant-id-format.js';
import { HeaderTenantResolver } from '../http/header-tenant.resolver.js';
import type { TenantResolver } from '../http/tenant-resolver.js';
import { validateTenancyOptions } from './options-validation.js';
import type { TenancyModuleOptions } from './tenancy-options.js';

/** Tenancy options after validation, with every default applied. */
export interface ResolvedTenancyOptions {
  readonly resolvers: readonly TenantResolver[];
  readonly tenantIdRule: TenantIdRule;
  readonly topicAccess?: TopicAccessRules;
  readonly audit?: ResolvedAuditOptions;
}

/** Validates `options` (throwing a `TenancyConfigurationError` naming the option) and applies defaults. */
export function resolveTenancyOptions(options: TenancyModuleOptions): ResolvedTenancyOptions {
  validateTenancyOptions(options);
  return {
    resolvers: options.resolvers ?? [new HeaderTenantResolver(options.header)],
    tenantIdRule: new TenantIdRule(options.tenantIdFormat ?? 'uuid'),
    topicAccess: options.topicAccess,
    audit: options.audit && { ...AUDIT_DEFAULTS, ...options.audit },
  };
}
