import { validateTopicAccessRules } from '../access/topic-access-validation.js';
import type { AuditOptions } from '../audit/audit-options.js';
import { TenantIdRule, type TenantIdFormat } from '../context/tenant-id-format.js';
import { isHeaderName } from '../http/header-tenant.resolver.js';
import { TenancyConfigurationError } from './tenancy-configuration.error.js';
import type { TenancyModuleOptions } from './tenancy-options.js';

/** Checks options at startup; throws a {@link TenancyConfigurationError} naming the first bad option. */
export function validateTenancyOptions(options: TenancyModuleOptions): void {
  if (options === null || typeof options !== 'object')
    throw new TenancyConfigurationError('(root)', 'must be an object');
  validateResolution(options);
  validateFormat(options.tenantIdFormat);
  if (options.topicAccess !== undefined)
    validateTopicAccessRules(options.topicAccess, new TenantIdRule(options.tenantIdFormat ?? 'uuid'));
  if (options.audit !== undefined) validateAudit(options.audit);
}

function validateResolution(options: TenancyModuleOptions): void {
  if (options.header !== undefined && !isHeaderName(options.header))
    throw new TenancyConfigurationError(
      'header',
      `must be a valid HTTP header name (got ${JSON.stringify(options.header)})`,
    );
  if (options.resolvers === undefined) return;
  if (options.header !== undefined) {
    throw new TenancyConfigurationError(
      'header',
      'cannot be combined with resolvers; put a HeaderTenantResolver in resolvers instead',
    );
  }
  if (!Array.isArray(options.resolvers) || options.resolvers.length === 0)
    throw new TenancyConfigurationError('resolvers', 'must be a non-empty array of TenantResolvers');
  options.resolvers.forEach((resolver, index) => {
    if (typeof resolver?.resolve !== 'function' || typeof resolver.description !== 'string')
      throw new TenancyConfigurationError(
        `resolvers[${index}]`,
        'is not a TenantResolver (description, resolve)',
      );
  });
}

function validateFormat(format: TenantIdFormat | undefined): void {
  if (format === undefined || format === 'uuid' || typeof format === 'function') return;
  if (!(format instanceof RegExp))
    throw new TenancyConfigurationError('tenantIdFormat', "must be 'uuid', a RegExp or a function");
  // a global or sticky regex keeps lastIndex between test() calls, so valid ids would fail every other time
  if (format.global || format.sticky)
    throw new TenancyConfigurationError('tenantIdFormat', `must not use the g or y flag (got ${format})`);
  if (!format.source.startsWith('^') || !format.source.endsWith('$'))
    throw new TenancyConfigurationError('tenantIdFormat', `must be anchored with ^ and $ (got ${format})`);
}

function validateAudit(audit: AuditOptions): void {
  if (typeof audit?.sink?.append !== 'function' || typeof audit.sink.query !== 'function')
    throw new TenancyConfigurationError('audit.sink', 'must be an AuditSink (append, query)');
  positiveInteger('audit.batchSize', audit.batchSize);
  positiveInteger('audit.maxBuffered', audit.maxBuffered);
  nonNegativeNumber('audit.retryDelayMs', audit.retryDelayMs);
  nonNegativeNumber('audit.shutdownTimeoutMs', audit.shutdownTimeoutMs);
}

function positiveInteger(option: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0))
    throw new TenancyConfigurationError(option, `must be a positive integer (got ${value})`);
}

function nonNegativeNumber(option: string, value: number | undefined): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0))
    throw new TenancyConfigurationError(option, `must be a non-negative number (got ${value})`);
}
