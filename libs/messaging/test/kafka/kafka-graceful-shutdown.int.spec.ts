import { describe, expect, it } from '@jest/globals';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import type { KafkaConsumerSettings } from '../../src/transports/kafka/kafka-transport-options.js';
import type { IncomingRecord, TransportRecord } from '../../src/transports/message-transport.js';
import {
  PARTITIONS,
  committedOffsets,
  createTopics,
  sleep,
  testTransportOptions,
  uniqueSuffix,
  waitUntil,
} from './support/kafka-test-kit.js';
import { kafkaResources } from './support/kafka-resources.js';

const RECORDS = 80;

describe('Kafka graceful shutdown', () => {
  const { transports, topics } = kafkaResources();

  it.each<[string, KafkaConsumerSettings]>([
    ['by default', {}],
    ['with look-ahead', { maxBufferedRecords: 30, lookAheadIntervalMs: 50 }],
  ])(
    '%s, finishes running records, commits exactly up to the first unhandled one, and the next member starts there',
    async (_, settings) => {
      const topic = `shutdown.${uniqueSuffix()}`;
      const groupId = `shutdown-${uniqueSuffix()}`;
      topics.push(topic, `${topic}.dlq`);
      await createTopics(topics);
      const producer = new KafkaTransport(testTransportOptions());
      transports.push(producer);
      const records: TransportRecord[] = Array.from({ length: RECORDS }, (_, seq) => ({
        topic,
        key: `key-${seq % 8}`,
        value: null,
        headers: { seq: String(seq) },
      }));
      await producer.publish(records);

      const started = new Set<string>();
      const first = new Map<string, IncomingRecord>();
      let releaseHeld!: () => void;
      const held = new Promise<void>((resolve) => (releaseHeld = resolve));
      const consumer = new KafkaTransport(
        testTransportOptions({ consumer: { maxConcurrentKeys: 2, ...settings } }),
      );
      consumer.subscribe({
        groupId,
        topics: [topic],
        handle: async (record) => {
          started.add(id(record));
          // After a dozen, records are held mid-flight until the test has asked to close.
          if (first.size >= 12) await held;
          await sleep(20);
          first.set(id(record), record);
        },
      });
      await consumer.start();
      await waitUntil(
        () => first.size >= 12 && started.size > first.size,
        () => `12 records handled and more in flight, got ${first.size} of ${started.size} started`,
      );

      let closed = false;
      const closing = consumer.close().then(() => (closed = true));
      await sleep(500);
      expect(closed).toBe(false);
      const inFlightAtClose = started.size - first.size;
      releaseHeld();
      await closing;
      expect(inFlightAtClose).toBeGreaterThan(0);
      expect([...started].filter((record) => !first.has(record))).toEqual([]);
      expect(first.size).toBeLessThan(RECORDS);

      // Where the group resumes in each partition: the committed offset (-1, none yet, means 0).
      const committed = await committedOffsets(groupId, topic);
      const resumeAt = (partition: number) => Math.max(0, Number(committed.get(partition) ?? -1));
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const handledHere = [...first.values()]
          .filter((r) => r.partition === partition)
          .map((r) => Number(r.offset));
        expect({ partition, resumeAt: resumeAt(partition) }).toEqual({
          partition,
          resumeAt: firstGap(handledHere),
        });
      }

      const second = new Map<string, IncomingRecord>();
      const successor = new KafkaTransport(testTransportOptions());
      transports.push(successor);
      successor.subscribe({
        groupId,
        topics: [topic],
        handle: async (record) => void second.set(id(record), record),
      });
      await successor.start();
      const unhandled = RECORDS - first.size;
      await waitUntil(
        () => [...second.keys()].filter((record) => !first.has(record)).length >= unhandled,
        () => `the ${unhandled} records left over reach the successor, got ${second.size}`,
      );
      const redeliveredBelowCommit = [...second.values()].filter(
        (r) => Number(r.offset) < resumeAt(r.partition),
      );
      expect(redeliveredBelowCommit.map(id)).toEqual([]);
      expect(first.size + [...second.keys()].filter((record) => !first.has(record)).length).toBe(RECORDS);
    },
    90_000,
  );

  it('stopConsuming lets the running record finish and leaves the group, while publishing keeps working', async () => {
    const topic = `stop-consuming.${uniqueSuffix()}`;
    const after = `stop-consuming-after.${uniqueSuffix()}`;
    const groupId = `stop-consuming-${uniqueSuffix()}`;
    topics.push(topic, `${topic}.dlq`, after);
    await createTopics([topic, after]);
    const transport = new KafkaTransport(testTransportOptions());
    transports.push(transport);
    const handled: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let running = false;
    transport.subscribe({
      groupId,
      topics: [topic],
      handle: async (record) => {
        running = true;
        await held;
        handled.push(record.headers.seq!);
      },
    });
    await transport.start();
    await transport.publish([{ topic, key: 'k', value: null, headers: { seq: '0' } }]);
    await waitUntil(
      () => running,
      () => 'the record to start',
    );

    let stopped = false;
    const stopping = transport.stopConsuming().then(() => (stopped = true));
    await sleep(300);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(handled).toEqual(['0']);
    const committed = [...(await committedOffsets(groupId, topic)).values()].map(Number).filter((n) => n > 0);
    expect(committed).toEqual([1]);

    // The consumers are gone, the producer is not: what a finishing handler committed can still leave.
    await transport.publish([{ topic: after, key: 'k', value: null, headers: { seq: 'late' } }]);
    await transport.publish([{ topic, key: 'k', value: null, headers: { seq: '1' } }]);
    await sleep(500);
    expect(handled).toEqual(['0']);
    await transport.close();
    await expect(transport.publish([{ topic: after, key: 'k', value: null, headers: {} }])).rejects.toThrow(
      /closed/,
    );
  }, 60_000);

  it('gives up on a stuck record after closeTimeoutMs without committing it, so the group gets it again', async () => {
    const topic = `shutdown-stuck.${uniqueSuffix()}`;
    const groupId = `shutdown-stuck-${uniqueSuffix()}`;
    topics.push(topic, `${topic}.dlq`);
    await createTopics(topics);
    const stuck = new KafkaTransport(testTransportOptions({ consumer: { closeTimeoutMs: 1_000 } }));
    transports.push(stuck);
    let stuckOn: IncomingRecord | undefined;
    stuck.subscribe({
      groupId,
      topics: [topic],
      handle: (record) => {
        stuckOn = record;
        return new Promise<void>(() => undefined);
      },
    });
    await stuck.start();
    await stuck.publish([{ topic, key: 'k', value: null, headers: { seq: '0' } }]);
    await waitUntil(
      () => stuckOn !== undefined,
      () => 'the record reaches the stuck handler',
    );

    const closeStarted = Date.now();
    await stuck.close();
    const closeTook = Date.now() - closeStarted;
    expect(closeTook).toBeGreaterThanOrEqual(950);
    expect(closeTook).toBeLessThan(8_000);

    const again: IncomingRecord[] = [];
    const successor = new KafkaTransport(testTransportOptions());
    transports.push(successor);
    successor.subscribe({ groupId, topics: [topic], handle: async (record) => void again.push(record) });
    await successor.start();
    await waitUntil(
      () => again.length > 0,
      () => 'the unfinished record is delivered to the next member',
    );
    expect(id(again[0]!)).toBe(id(stuckOn!));
  }, 90_000);
});

function id(record: IncomingRecord): string {
  return `${record.partition}@${record.offset}`;
}

/** The lowest offset from 0 up that is not in `offsets`. */
function firstGap(offsets: readonly number[]): number {
  const present = new Set(offsets);
  let offset = 0;
  while (present.has(offset)) offset += 1;
  return offset;
}
