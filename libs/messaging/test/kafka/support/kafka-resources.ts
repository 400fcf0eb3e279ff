import { afterEach } from '@jest/globals';
import type { KafkaTransport } from '../../../src/transports/kafka/kafka-transport.js';
import { deleteTopics } from './kafka-test-kit.js';

// Kept apart from kafka-test-kit.ts, which child processes also load outside Jest.
/** What one integration suite creates on the broker, released after each of its tests. */
export interface KafkaResources {
  /** Transports to close after the test. */
  readonly transports: KafkaTransport[];
  /** Topics to delete after the test. */
  readonly topics: string[];
}

/** Registers an `afterEach` that closes the suite's transports and deletes its topics; call inside `describe`. */
export function kafkaResources(): KafkaResources {
  const resources: KafkaResources = { transports: [], topics: [] };
  afterEach(async () => {
    await Promise.all(resources.transports.splice(0).map((transport) => transport.close()));
    await deleteTopics(resources.topics.splice(0));
  }, 60_000);
  return resources;
}
