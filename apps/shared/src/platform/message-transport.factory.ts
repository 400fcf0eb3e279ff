import { InMemoryTransport, KafkaTransport, type MessageTransport } from '@momentum/messaging';
import type { ServicePlatformOptions } from './service-platform-options.js';

/**
 * Kafka when `KAFKA_BROKERS` is set (topic names prefixed with `KAFKA_TOPIC_PREFIX`, so environments
 * can share a cluster), otherwise the process-wide in-memory broker.
 */
export function createMessageTransport(options: ServicePlatformOptions): MessageTransport {
  const broker = options.config.broker;
  if (broker.kind === 'in-memory') return new InMemoryTransport();
  return new KafkaTransport({
    brokers: broker.brokers,
    clientId: options.serviceName,
    topicName: (topic) => `${broker.topicPrefix}${topic}`,
    topicDefaults: { provision: 'create', partitions: 3 },
  });
}
