import type { TopicRule } from './topic-access-rules.js';

/** A {@link TopicRule} in one shape: the pattern and, for per-tenant rules, the allowed tenants. */
export interface NormalizedTopicRule {
  readonly topic: string;
  readonly tenants?: ReadonlySet<string>;
}

/** The rule as an object. */
export function normalizeRule(rule: TopicRule): NormalizedTopicRule {
  if (typeof rule === 'string') return { topic: rule };
  return { topic: rule.topic, tenants: rule.tenants && new Set(rule.tenants) };
}

/** Whether `pattern` (a topic, or a prefix ending in `*`) matches `topic`. */
export function matchesTopic(pattern: string, topic: string): boolean {
  return pattern.endsWith('*') ? topic.startsWith(pattern.slice(0, -1)) : topic === pattern;
}
