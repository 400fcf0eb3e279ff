import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import { describeTransportConformance } from '../conformance/transport-conformance.js';
import { createTopics, deleteTopics, testTransportOptions } from './support/kafka-test-kit.js';

// The shared behavioural suite on the real broker: each test gets its own 4-partition topic and
// dead-letter topic, created up front by the admin client.
describeTransportConformance(
  'kafka',
  async (names) => {
    const topics = [names.topic, names.deadLetterTopic];
    await createTopics(topics);
    return {
      transport: () => new KafkaTransport(testTransportOptions()),
      cleanup: () => deleteTopics(topics),
    };
  },
  { testTimeoutMs: 90_000, waitTimeoutMs: 60_000 },
);
