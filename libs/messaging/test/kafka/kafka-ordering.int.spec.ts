import { describe, expect, it } from '@jest/globals';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import type { IncomingRecord, TransportRecord } from '../../src/transports/message-transport.js';
import {
  createTopics,
  sleep,
  testTransportOptions,
  uniqueSuffix,
  waitUntil,
} from './support/kafka-test-kit.js';
import { kafkaResources } from './support/kafka-resources.js';

const KEYS = 12;
const PER_KEY = 15;
const HANDLE_MS = 15;

describe('Kafka consumer concurrency', () => {
  const { transports, topics } = kafkaResources();

  it('keeps each key in order while unrelated keys, also within one partition, run in parallel', async () => {
    const topic = `ordering.${uniqueSuffix()}`;
    topics.push(topic, `${topic}.dlq`);
    await createTopics(topics);

    // Everything is in the log before the consumer starts, so whole partitions arrive as batches.
    const producer = new KafkaTransport(testTransportOptions());
    transports.push(producer);
    const records: TransportRecord[] = [];
    for (let seq = 0; seq < PER_KEY; seq++) {
      for (let k = 0; k < KEYS; k++)
        records.push({ topic, key: `key-${k}`, value: null, headers: { seq: String(seq) } });
    }
    await producer.publish(records);

    const seen = new Map<string, number[]>();
    const runningKeys = new Map<number, Set<string>>();
    let running = 0;
    let maxRunning = 0;
    let maxKeysInOnePartition = 0;
    let sameKeyOverlaps = 0;
    const handle = async (record: IncomingRecord) => {
      const key = record.key!;
      const inPartition = runningKeys.get(record.partition) ?? new Set<string>();
      runningKeys.set(record.partition, inPartition);
      if (inPartition.has(key)) sameKeyOverlaps += 1;
      inPartition.add(key);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      maxKeysInOnePartition = Math.max(maxKeysInOnePartition, inPartition.size);
      await sleep(HANDLE_MS);
      running -= 1;
      inPartition.delete(key);
      seen.set(key, [...(seen.get(key) ?? []), Number(record.headers.seq)]);
    };

    const consumer = new KafkaTransport(testTransportOptions());
    transports.push(consumer);
    consumer.subscribe({ groupId: `ordering-${uniqueSuffix()}`, topics: [topic], handle });
    const started = Date.now();
    await consumer.start();
    const total = KEYS * PER_KEY;
    const handled = () => [...seen.values()].reduce((sum, seqs) => sum + seqs.length, 0);
    await waitUntil(
      () => handled() >= total,
      () => `${total} records handled, got ${handled()}`,
    );
    const elapsed = Date.now() - started;

    for (let k = 0; k < KEYS; k++) {
      expect({ key: `key-${k}`, seqs: seen.get(`key-${k}`) }).toEqual({
        key: `key-${k}`,
        seqs: Array.from({ length: PER_KEY }, (_, seq) => seq),
      });
    }
    expect(sameKeyOverlaps).toBe(0);
    // 12 keys over 4 partitions: keys of one partition overlapped, not just the partitions.
    expect(maxKeysInOnePartition).toBeGreaterThanOrEqual(2);
    expect(maxRunning).toBeGreaterThanOrEqual(4);
    // Serially this is 180 × 15 ms = 2.7 s of handling alone.
    expect(elapsed).toBeLessThan(total * HANDLE_MS);
    process.stdout.write(
      `ordering: ${total} records in ${elapsed} ms, up to ${maxRunning} at once, ` +
        `up to ${maxKeysInOnePartition} keys at once in one partition\n`,
    );
  }, 90_000);
});
