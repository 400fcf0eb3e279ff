import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, KafkaMessage } from 'kafkajs';
import type { KafkaTransportOptions } from '../../../src/transports/kafka/kafka-transport-options.js';

/** The brokers the integration suites use (`scripts/test.sh all` exports them). */
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((broker) => broker.trim())
  .filter((broker) => broker.length > 0);

/** Partitions of every topic the suites create. */
export const PARTITIONS = 4;

/** A short random suffix keeping topics and groups of one run (and of reruns) apart. */
export function uniqueSuffix(): string {
  return randomUUID().slice(0, 8);
}

/**
 * Transport options for tests on a small shared machine: a quick heartbeat so members notice
 * rebalances fast, short fetch waits so pauses and shutdown take effect quickly, short redelivery
 * delays, topics created with {@link PARTITIONS} partitions.
 */
export function testTransportOptions(overrides: Partial<KafkaTransportOptions> = {}): KafkaTransportOptions {
  return {
    brokers: KAFKA_BROKERS,
    clientId: 'momentum-tests',
    topicDefaults: { partitions: PARTITIONS },
    ...overrides,
    consumer: {
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 500,
      rebalanceTimeoutMs: 30_000,
      maxWaitTimeMs: 200,
      retryInitialDelayMs: 50,
      retryMaxDelayMs: 1_000,
      closeTimeoutMs: 5_000,
      ...overrides.consumer,
    },
  };
}

/** A kafkajs client for test set-up and inspection, logging nothing. */
export function rawKafka(brokers: readonly string[] = KAFKA_BROKERS): InstanceType<typeof kafkajs.Kafka> {
  return new kafkajs.Kafka({
    brokers: [...brokers],
    clientId: 'momentum-tests-raw',
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

/**
 * Creates the topics with {@link PARTITIONS} partitions and waits until every partition has a
 * leader. kafkajs's own `waitForLeaders` gives up when a fresh topic is briefly unknown to the
 * broker's metadata, so the wait is done here, tolerating that.
 */
export async function createTopics(topics: readonly string[], brokers = KAFKA_BROKERS): Promise<void> {
  await withAdmin(brokers, async (admin) => {
    await admin.createTopics({
      waitForLeaders: false,
      topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
    });
    await eventually(
      async () => {
        try {
          const { topics: described } = await admin.fetchTopicMetadata({ topics: [...topics] });
          return described.every(
            (topic) => topic.partitions.length === PARTITIONS && topic.partitions.every((p) => p.leader >= 0),
          );
        } catch {
          return false;
        }
      },
      () => `leaders for every partition of ${topics.join(', ')}`,
    );
  });
}

/** Deletes the topics, ignoring those already gone. */
export async function deleteTopics(topics: readonly string[], brokers = KAFKA_BROKERS): Promise<void> {
  await withAdmin(brokers, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  });
}

/** The committed offset of each partition of `topic` for `groupId` (`-1` for none). */
export async function committedOffsets(
  groupId: string,
  topic: string,
  brokers = KAFKA_BROKERS,
): Promise<Map<number, string>> {
  return withAdmin(brokers, async (admin) => {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map(({ partition, offset }) => [partition, offset]));
  });
}

/** A record read back raw from Kafka, with its partition. */
export interface RawRecord {
  readonly partition: number;
  readonly message: KafkaMessage;
}

/** Reads `topic` from the beginning, with a throwaway group, until `count` records arrived. */
export async function readTopic(topic: string, count: number, timeoutMs = 30_000): Promise<RawRecord[]> {
  const consumer = rawKafka().consumer({ groupId: `reader-${uniqueSuffix()}`, maxWaitTimeInMs: 200 });
  const records: RawRecord[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => void records.push({ partition, message }),
    });
    await waitUntil(
      () => records.length >= count,
      () => `${count} record(s) in ${topic}, got ${records.length}`,
      timeoutMs,
    );
    return records;
  } finally {
    await consumer.disconnect();
  }
}

/** Polls until `condition` holds; fails saying what it waited for and what it saw. */
export async function waitUntil(
  condition: () => boolean,
  what: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(20);
  }
}

/** Polls an asynchronous check until it holds; fails saying what it waited for. */
export async function eventually(
  check: () => Promise<boolean>,
  what: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(200);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withAdmin<T>(brokers: readonly string[], work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = rawKafka(brokers).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}
