import { defineMessage } from './message-metadata.js';
import type { MessageClass } from './message-class.js';

/** Options of {@link EventTopic}. */
export interface EventTopicOptions {
  /**
   * The CloudEvents `type` of the event. Defaults to the topic name; set it explicitly when several
   * event types share one topic, or to match another service's contract.
   */
  readonly type?: string;
}

const TOPIC_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Marks a class as an integration event published to `topic`, by convention
 * `{domain}.{subdomain}.{event-type}` (for example `app_domain.orders.order-created`).
 */
export function EventTopic(topic: string, options: EventTopicOptions = {}): ClassDecorator {
  if (!TOPIC_PATTERN.test(topic)) {
    throw new TypeError(`@EventTopic('${topic}'): a topic is 1 to 249 characters of [a-zA-Z0-9._-]`);
  }
  return (target) => {
    defineMessage(target as unknown as MessageClass, {
      type: options.type ?? topic,
      kind: 'integration-event',
      topic,
    });
  };
}
