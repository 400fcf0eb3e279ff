/**
 * `@momentum/tenancy`: the tenant travels with every request and message, and tenants stay apart.
 * Tenant context, HTTP tenant resolution, tenant-scoped message handling, topic access control,
 * an audit trail and tenant-aware logs for services built on `@momentum/messaging`.
 */
export { TenancyModule } from './module/tenancy.module.js';
export type { TenancyModuleOptions } from './module/tenancy-options.js';
export type { TenancyModuleExtras } from './module/tenancy-module-definition.js';
export { TenancyConfigurationError } from './module/tenancy-configuration.error.js';

export { TenantContext } from './context/tenant-context.js';
export { MissingTenantError } from './context/missing-tenant.error.js';
export { InvalidTenantIdError } from './context/invalid-tenant-id.error.js';
export type { TenantIdFormat } from './context/tenant-id-format.js';
export { TenantAgnostic } from './scope/tenant-agnostic.decorator.js';

export type { TenantRequest, TenantResolver } from './http/tenant-resolver.js';
export { HeaderTenantResolver, DEFAULT_TENANT_HEADER } from './http/header-tenant.resolver.js';
export {
  JwtClaimTenantResolver,
  type JwtClaimTenantResolverOptions,
} from './http/jwt-claim-tenant.resolver.js';
export {
  SubdomainTenantResolver,
  type SubdomainTenantResolverOptions,
} from './http/subdomain-tenant.resolver.js';

export { TenancyMessaging, type TenancyMessagingOptions } from './messaging/tenancy-messaging.js';

export type { TopicAccessRules, TopicRule } from './access/topic-access-rules.js';
export { ConfiguredTopicAccessPolicy } from './access/configured-topic-access-policy.js';

export type { AuditEntry, AuditKind, AuditResult } from './audit/audit-entry.js';
export type { AuditSink, AuditQuery } from './audit/audit-sink.js';
export type { AuditOptions } from './audit/audit-options.js';
export { AuditTrail, type AuditFilter } from './audit/audit-trail.js';
export { InMemoryAuditSink } from './audit/in-memory-audit-sink.js';
export { PostgresAuditSink, type PostgresAuditSinkOptions } from './audit/postgres-audit-sink.js';

export { TenantDeadLetters } from './dead-letters/tenant-dead-letters.js';
export { TenantLogger } from './logging/tenant-logger.js';
