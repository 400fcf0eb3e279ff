import type { Envelope } from '../bus/envelope.js';
import { NonRetryableError } from '../errors/messaging-errors.js';

/**
 * Which topics this service may publish to and consume from, optionally per tenant (the tenancy
 * module builds one from configuration). Each check throws a {@link TopicAccessDeniedError} to deny.
 */
export interface TopicAccessPolicy {
  /** Throws when this service may not publish to `topic` (for `tenantId`); `envelope` is the message being published. */
  assertPublish(topic: string, tenantId: string | undefined, envelope: Envelope): void;
  /** Throws when this service may not consume `topic` (for `tenantId`). */
  assertConsume(topic: string, tenantId: string | undefined): void;
}

/** A publish or a consumed record that the topic access policy denies; never retried. */
export class TopicAccessDeniedError extends NonRetryableError {
  constructor(
    readonly operation: 'publish' | 'consume',
    readonly topic: string,
    readonly tenantId: string | undefined,
    reason: string,
  ) {
    super(`${operation} on topic '${topic}'${tenantId ? ` for tenant '${tenantId}'` : ''} denied: ${reason}`);
    this.name = 'TopicAccessDeniedError';
  }
}
