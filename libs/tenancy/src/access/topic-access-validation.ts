import type { TenantIdRule } from '../context/tenant-id-format.js';
import { TenancyConfigurationError } from '../module/tenancy-configuration.error.js';
import type { TopicAccessRules, TopicRule } from './topic-access-rules.js';

const PATTERN = /^[A-Za-z0-9._-]*\*?$/;

/** Checks topic access rules at startup; throws a `TenancyConfigurationError` naming the bad rule. */
export function validateTopicAccessRules(rules: TopicAccessRules, tenantIdRule: TenantIdRule): void {
  if (rules === null || typeof rules !== 'object')
    throw new TenancyConfigurationError('topicAccess', 'must be an object with publish and/or consume lists');
  for (const direction of ['publish', 'consume'] as const) {
    const list = rules[direction];
    if (list === undefined) continue;
    if (!Array.isArray(list))
      throw new TenancyConfigurationError(`topicAccess.${direction}`, 'must be an array');
    list.forEach((rule, index) => validateRule(`topicAccess.${direction}[${index}]`, rule, tenantIdRule));
  }
}

function validateRule(option: string, rule: TopicRule, tenantIdRule: TenantIdRule): void {
  const topic = typeof rule === 'string' ? rule : rule?.topic;
  const topicOption = typeof rule === 'string' ? option : `${option}.topic`;
  if (typeof topic !== 'string' || topic === '' || !PATTERN.test(topic)) {
    throw new TenancyConfigurationError(
      topicOption,
      `must be a topic name of [A-Za-z0-9._-], optionally ending in * (got ${JSON.stringify(topic)})`,
    );
  }
  if (typeof rule === 'string' || rule.tenants === undefined) return;
  if (!Array.isArray(rule.tenants) || rule.tenants.length === 0)
    throw new TenancyConfigurationError(`${option}.tenants`, 'must be a non-empty array of tenant ids');
  rule.tenants.forEach((tenant, index) => {
    if (!tenantIdRule.isValid(tenant)) {
      throw new TenancyConfigurationError(
        `${option}.tenants[${index}]`,
        `must be ${tenantIdRule.description} (got ${JSON.stringify(tenant)})`,
      );
    }
  });
}
