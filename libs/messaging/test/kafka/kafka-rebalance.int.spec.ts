import { describe, expect, it } from '@jest/globals';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import type { KafkaConsumerSettings } from '../../src/transports/kafka/kafka-transport-options.js';
import type { IncomingRecord, TransportSubscription } from '../../src/transports/message-transport.js';
import {
  createTopics,
  sleep,
  testTransportOptions,
  uniqueSuffix,
  waitUntil,
} from './support/kafka-test-kit.js';
import { kafkaResources } from './support/kafka-resources.js';

const KEYS = 16;

/** Every delivery of every record, and whether two members ever held one record at once. */
class GroupLedger {
  readonly handledBy = new Map<string, Set<string>>();
  readonly deliveries = new Map<string, number>();
  private readonly running = new Map<string, string>();
  concurrentDuplicates: string[] = [];

  member(name: string, groupId: string, topic: string): TransportSubscription {
    return {
      groupId,
      topics: [topic],
      handle: async (record: IncomingRecord) => {
        const seq = record.headers.seq!;
        const holder = this.running.get(seq);
        if (holder) this.concurrentDuplicates.push(`${seq} held by ${holder} and ${name}`);
        this.running.set(seq, name);
        await sleep(5 + Math.random() * 10);
        this.running.delete(seq);
        this.deliveries.set(seq, (this.deliveries.get(seq) ?? 0) + 1);
        this.handledBy.set(name, (this.handledBy.get(name) ?? new Set()).add(seq));
      },
    };
  }

  handledCount(): number {
    return this.deliveries.size;
  }
}

describe('Kafka consumer-group rebalancing', () => {
  const { transports, topics } = kafkaResources();

  // Look-ahead holds records between rounds; none runs between them, so a rejoin finds nothing running.
  it.each<[string, KafkaConsumerSettings]>([
    ['by default', {}],
    ['with look-ahead', { maxBufferedRecords: 200, lookAheadIntervalMs: 50 }],
  ])(
    '%s, loses no record and never hands one record to two members at once as members join and leave',
    async (_, consumer) => {
      const topic = `rebalance.${uniqueSuffix()}`;
      const groupId = `rebalance-${uniqueSuffix()}`;
      topics.push(topic, `${topic}.dlq`);
      await createTopics(topics);
      const ledger = new GroupLedger();
      const member = async (name: string) => {
        const transport = new KafkaTransport(testTransportOptions({ consumer }));
        transports.push(transport);
        transport.subscribe(ledger.member(name, groupId, topic));
        await transport.start();
        return transport;
      };
      const producer = new KafkaTransport(testTransportOptions());
      transports.push(producer);

      // Publish steadily in the background while the group changes under the load.
      let published = 0;
      let publishing = true;
      const publisher = (async () => {
        while (publishing) {
          const wave = Array.from({ length: 8 }, (_, i) => published + i);
          await producer.publish(
            wave.map((seq) => ({
              topic,
              key: `key-${seq % KEYS}`,
              value: null,
              headers: { seq: String(seq) },
            })),
          );
          published += wave.length;
          await sleep(20);
        }
      })();

      const first = await member('first');
      await waitUntil(
        () => ledger.handledCount() >= 100,
        () => `100 records handled, got ${ledger.handledCount()}`,
      );
      await member('second');
      await waitUntil(
        () => (ledger.handledBy.get('second')?.size ?? 0) >= 50,
        () => `the second member handles 50 records, got ${ledger.handledBy.get('second')?.size ?? 0}`,
      );
      await member('third');
      await waitUntil(
        () => (ledger.handledBy.get('third')?.size ?? 0) >= 50,
        () => `the third member handles 50 records, got ${ledger.handledBy.get('third')?.size ?? 0}`,
      );
      await first.close();
      const afterLeave = ledger.handledCount();
      await waitUntil(
        () => ledger.handledCount() >= afterLeave + 100,
        () =>
          `100 more records handled after the first member left, got ${ledger.handledCount() - afterLeave}`,
      );
      publishing = false;
      await publisher;

      await waitUntil(
        () => ledger.handledCount() >= published,
        () => `all ${published} records handled, got ${ledger.handledCount()}`,
        60_000,
      );
      const missing = Array.from({ length: published }, (_, seq) => String(seq)).filter(
        (seq) => !ledger.deliveries.has(seq),
      );
      expect(missing).toEqual([]);
      expect(ledger.concurrentDuplicates).toEqual([]);
      const redelivered = [...ledger.deliveries.values()].filter((count) => count > 1).length;
      process.stdout.write(
        `rebalance: ${published} records, ${redelivered} delivered twice (one after the other), ` +
          `per member ${[...ledger.handledBy].map(([name, seqs]) => `${name} ${seqs.size}`).join(', ')}\n`,
      );
    },
    120_000,
  );
});
