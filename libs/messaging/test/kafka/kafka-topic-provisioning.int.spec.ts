import { afterEach, describe, expect, it } from '@jest/globals';
import { KafkajsClient } from '../../src/transports/kafka/kafkajs-client.js';
import type { KafkaAdminClient } from '../../src/transports/kafka/kafka-client.js';
import { KAFKA_BROKERS, deleteTopics, uniqueSuffix } from './support/kafka-test-kit.js';

const PARTITIONS = 6;

function admin(): KafkaAdminClient {
  return new KafkajsClient({
    brokers: KAFKA_BROKERS,
    clientId: 'topic-provisioning-test',
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: 30_000,
  }).admin();
}

describe('Kafka topic creation against a real broker', () => {
  const created: string[] = [];
  const admins: KafkaAdminClient[] = [];

  afterEach(async () => {
    await Promise.all(admins.splice(0).map((client) => client.disconnect()));
    await deleteTopics(created.splice(0));
  }, 60_000);

  it('creates fresh topics from two services starting at once, each seeing every partition led', async () => {
    const [first, second] = [admin(), admin()];
    admins.push(first, second);
    await Promise.all([first.connect(), second.connect()]);
    for (let round = 0; round < 5; round += 1) {
      const topics = ['a', 'b', 'c', 'd'].map((name) => `provision-${name}-${uniqueSuffix()}`);
      created.push(...topics);
      const specs = topics.map((topic) => ({ topic, partitions: PARTITIONS, replicationFactor: 1 }));

      await Promise.all([first.createTopics(specs), second.createTopics([...specs].reverse())]);

      const counts = await first.partitionCounts(topics);
      expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(topics.map((t) => [t, PARTITIONS])));
    }
  }, 120_000);
});
