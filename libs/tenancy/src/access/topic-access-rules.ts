/**
 * A topic this service may use: a topic name, or a prefix ending in `*` (`app_domain.orders.*`;
 * `*` alone is every topic). With `tenants`, the rule applies to messages of those tenants only.
 */
export type TopicRule = string | { readonly topic: string; readonly tenants?: readonly string[] };

/**
 * Which topics this service may publish to and consume from, e.g.
 * `{ publish: ['app_domain.orders.*'], consume: [{ topic: 'app_domain.billing.*', tenants: [a, b] }] }`.
 * A missing list allows everything for that direction; a present list (even empty) allows only
 * what its rules match.
 */
export interface TopicAccessRules {
  readonly publish?: readonly TopicRule[];
  readonly consume?: readonly TopicRule[];
}
