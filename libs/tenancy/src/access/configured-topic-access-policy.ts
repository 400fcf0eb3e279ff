import { TopicAccessDeniedError, type TopicAccessPolicy } from '@momentum/messaging';
import type { TopicAccessRules } from './topic-access-rules.js';
import { matchesTopic, normalizeRule, type NormalizedTopicRule } from './topic-pattern.js';

type Operation = 'publish' | 'consume';

/**
 * The bus's `TopicAccessPolicy` built from {@link TopicAccessRules}: a publish or consumed record is
 * allowed when a rule of its direction matches the topic and, for per-tenant rules, the tenant.
 * `TenancyModule` validates the rules at startup; construct it directly only with rules you trust.
 */
export class ConfiguredTopicAccessPolicy implements TopicAccessPolicy {
  private readonly publish?: readonly NormalizedTopicRule[];
  private readonly consume?: readonly NormalizedTopicRule[];

  constructor(rules: TopicAccessRules) {
    this.publish = rules.publish?.map(normalizeRule);
    this.consume = rules.consume?.map(normalizeRule);
  }

  assertPublish(topic: string, tenantId: string | undefined): void {
    check('publish', this.publish, topic, tenantId);
  }

  assertConsume(topic: string, tenantId: string | undefined): void {
    check('consume', this.consume, topic, tenantId);
  }
}

function check(
  operation: Operation,
  rules: readonly NormalizedTopicRule[] | undefined,
  topic: string,
  tenantId: string | undefined,
): void {
  if (rules === undefined) return;
  const forTopic = rules.filter((rule) => matchesTopic(rule.topic, topic));
  if (forTopic.some((rule) => !rule.tenants || (tenantId !== undefined && rule.tenants.has(tenantId))))
    return;
  throw new TopicAccessDeniedError(
    operation,
    topic,
    tenantId,
    denialReason(operation, forTopic.length > 0, tenantId),
  );
}

function denialReason(operation: Operation, topicListed: boolean, tenantId: string | undefined): string {
  if (!topicListed) return `no ${operation} rule of this service matches the topic`;
  return tenantId === undefined
    ? `the topic is allowed for listed tenants only and the message has no tenant`
    : `the topic is allowed for listed tenants only and this tenant is not among them`;
}
