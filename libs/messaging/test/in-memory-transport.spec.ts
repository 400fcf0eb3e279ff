import { afterEach, describe, expect, it } from '@jest/globals';
import kafkajs from 'kafkajs';
import {
  InMemoryBroker,
  keyPartition,
  type InMemoryBrokerOptions,
} from '../src/transports/in-memory/in-memory-broker.js';
import { InMemoryTransport } from '../src/transports/in-memory/in-memory-transport.js';
import type {
  IncomingRecord,
  TransportRecord,
  TransportSubscription,
} from '../src/transports/message-transport.js';
import { describeTransportConformance } from './conformance/transport-conformance.js';

describeTransportConformance('in-memory', async (names) => {
  const broker = new InMemoryBroker({ partitions: names.partitions });
  return {
    transport: () => new InMemoryTransport({ broker }),
    cleanup: () => broker.close(),
  };
});

describe('InMemoryBroker and InMemoryTransport', () => {
  const brokers: InMemoryBroker[] = [];
  const transports: InMemoryTransport[] = [];
  const gates: Gate[] = [];

  afterEach(async () => {
    gates.splice(0).forEach((gate) => gate.open());
    await Promise.all(transports.splice(0).map((transport) => transport.close()));
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
  });

  function newBroker(options: InMemoryBrokerOptions = {}): InMemoryBroker {
    const broker = new InMemoryBroker(options);
    brokers.push(broker);
    return broker;
  }

  async function started(
    broker: InMemoryBroker,
    ...subscriptions: TransportSubscription[]
  ): Promise<InMemoryTransport> {
    const transport = new InMemoryTransport({ broker, closeTimeoutMs: 100 });
    transports.push(transport);
    subscriptions.forEach((subscription) => transport.subscribe(subscription));
    await transport.start();
    return transport;
  }

  function gate(): Gate {
    const created = new Gate();
    gates.push(created);
    return created;
  }

  describe('partitioning', () => {
    const named = [
      'tenant-1',
      'orders',
      'a',
      'ab',
      'abc',
      'abcd',
      'abcde',
      '',
      'ünïcødé-✓',
      '0f8fad5b-d9cb-469f-a165-70867728950e',
    ];
    // Every length modulo 4 and bytes ≥ 0x80, where sign handling in the hash could go wrong.
    const generated = Array.from({ length: 200 }, (_, i) => `${'é'.repeat(i % 5)}key-${i * 7919}`);
    const keys = [...named, ...generated];

    it.each([1, 3, 4, 12])('puts a key on the partition kafkajs picks, with %i partitions', (count) => {
      const kafkaPartitioner = kafkajs.Partitioners.DefaultPartitioner();
      const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        partitionErrorCode: 0,
        replicas: [0],
        isr: [0],
      }));
      for (const key of keys) {
        const expected = kafkaPartitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect({ key, partition: keyPartition(key, count) }).toEqual({ key, partition: expected });
      }
    });

    it('appends a keyed record to its key partition, and unkeyed records round robin', async () => {
      const broker = newBroker({ partitions: 3 });
      const appended = broker.append([
        record('t', 'tenant-1'),
        record('t', null),
        record('t', null),
        record('t', null),
      ]);
      expect(appended[0].partition).toBe(keyPartition('tenant-1', 3));
      expect(
        appended
          .slice(1)
          .map((r) => r.partition)
          .sort(),
      ).toEqual([0, 1, 2]);
    });

    it('takes partition counts from the topic override, then the transport, then the broker', async () => {
      const broker = newBroker({ partitions: 2, topicPartitions: { fixed: 5 } });
      const transport = new InMemoryTransport({ broker, partitions: 7 });
      await transport.publish([record('fixed', 'k'), record('chosen', 'k')]);
      expect(broker.createTopic('fixed')).toBe(5);
      expect(broker.createTopic('chosen')).toBe(7);
      expect(broker.createTopic('plain')).toBe(2);
      expect(() => new InMemoryBroker({ partitions: 0 })).toThrow(RangeError);
    });
  });

  describe('inFlight', () => {
    it('lists records being handled and waiting, per subscribing group, and is empty when idle', async () => {
      const broker = newBroker();
      const hold = gate();
      const partition = keyPartition('k', 4);
      const inbox = new Recorder('billing', ['orders'], () => hold.wait());
      const transport = await started(broker, inbox);
      broker.append([record('orders', 'k'), record('orders', 'k'), record('unwatched', 'k')]);

      await until(() => inbox.received.length === 1);
      const expected = [
        `in-memory: orders[${partition}]@0 being handled by group billing`,
        `in-memory: orders[${partition}]@1 awaiting group billing`,
      ];
      expect(broker.inFlight()).toEqual(expected);
      expect(transport.activity.inFlight()).toEqual(expected);

      hold.open();
      await until(() => broker.inFlight().length === 0);
      expect(inbox.received.map((r) => r.offset)).toEqual(['0', '1']);
      expect(transport.activity.inFlight()).toEqual([]);
    });

    it('names a record waiting for redelivery, and uses the transport name', async () => {
      const broker = newBroker({ retryInitialDelayMs: 60_000 });
      const inbox = new Recorder('billing', ['orders'], async () => {
        throw new Error('down');
      });
      const transport = new InMemoryTransport({ broker, name: 'embedded' });
      transports.push(transport);
      transport.subscribe(inbox);
      await transport.start();
      broker.append([record('orders', 'k')]);

      await until(() => broker.pending()[0]?.state === 'retrying');
      expect(transport.activity.inFlight()).toEqual([
        `embedded: orders[${keyPartition('k', 4)}]@0 awaiting redelivery to group billing after 1 failed attempt`,
      ]);
    });
  });

  describe('consumer groups', () => {
    it('gives a leaving member’s unfinished record to the remaining member', async () => {
      const broker = newBroker();
      const stuck = gate();
      let holder: Recorder | undefined;
      const blockFirst = (self: () => Recorder) => async () => {
        if (holder) return;
        holder = self();
        await stuck.wait();
      };
      const one: Recorder = new Recorder(
        'g',
        ['t'],
        blockFirst(() => one),
      );
      const two: Recorder = new Recorder(
        'g',
        ['t'],
        blockFirst(() => two),
      );
      const transportOf = new Map([
        [one, await started(broker, one)],
        [two, await started(broker, two)],
      ]);
      broker.append([record('t', 'k')]);
      await until(() => holder !== undefined);
      const remaining = holder === one ? two : one;

      await transportOf.get(holder!)!.close();
      await until(() => remaining.received.length === 1);
      expect(remaining.received[0].offset).toBe('0');

      stuck.open();
      broker.append([record('t', 'k')]);
      await until(() => remaining.received.length === 2);
      await sleep(100);
      expect(remaining.received.map((r) => r.offset)).toEqual(['0', '1']);
      expect(broker.inFlight()).toEqual([]);
    });

    it('splits partitions round robin and rebalances when a member leaves', async () => {
      const broker = newBroker({ partitions: 4 });
      const [one, two] = [new Recorder('g', ['t']), new Recorder('g', ['t'])];
      await started(broker, one);
      const second = await started(broker, two);
      const keys = keyPerPartition(4);

      broker.append(keys.map((key) => record('t', key)));
      await until(() => one.received.length + two.received.length === 4);
      expect(one.received.map((r) => r.partition).sort()).toEqual([0, 2]);
      expect(two.received.map((r) => r.partition).sort()).toEqual([1, 3]);

      await second.close();
      broker.append(keys.map((key) => record('t', key)));
      await until(() => one.received.length === 6);
      expect(
        one.received
          .slice(2)
          .map((r) => r.partition)
          .sort(),
      ).toEqual([0, 1, 2, 3]);
      expect(two.received).toHaveLength(2);
    });

    it('never runs two records of a partition at once while a member joins', async () => {
      const broker = newBroker({ partitions: 2 });
      const running = new Set<number>();
      let overlap = false;
      const slow = async (r: IncomingRecord) => {
        overlap ||= running.has(r.partition);
        running.add(r.partition);
        await sleep(5);
        running.delete(r.partition);
      };
      const one = new Recorder('g', ['t'], slow);
      const two = new Recorder('g', ['t'], slow);
      await started(broker, one);
      broker.append(Array.from({ length: 30 }, (_, seq) => record('t', `k${seq % 3}`, seq)));
      await until(() => one.received.length >= 3);
      await started(broker, two);

      await until(() => one.received.length + two.received.length === 30);
      expect(overlap).toBe(false);
      const all = [...one.received, ...two.received].sort((x, y) => Number(x.offset) - Number(y.offset));
      for (const key of ['k0', 'k1', 'k2']) {
        const seqs = all.filter((r) => r.key === key).map((r) => Number(r.headers.seq));
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(new Set(seqs).size).toBe(10);
      }
    });

    it('handles the partitions of one member in parallel', async () => {
      const broker = newBroker({ partitions: 4 });
      const hold = gate();
      const inbox = new Recorder('g', ['t'], () => hold.wait());
      await started(broker, inbox);
      const keys = keyPerPartition(4);

      broker.append(keys.map((key) => record('t', key)));
      await until(() => inbox.received.length === keys.length);
    });

    it('starts a new group at the end of the log when fromBeginning is off', async () => {
      const broker = newBroker({ fromBeginning: false });
      broker.append([record('t', 'k', 0)]);
      const inbox = new Recorder('g', ['t']);
      await started(broker, inbox);
      broker.append([record('t', 'k', 1)]);

      await until(() => inbox.received.length === 1);
      await sleep(50);
      expect(inbox.received.map((r) => r.headers.seq)).toEqual(['1']);
    });
  });

  describe('redelivery', () => {
    it('backs off exponentially up to the maximum, treating a synchronous throw as a rejection', async () => {
      const broker = newBroker({ retryInitialDelayMs: 20, retryMaxDelayMs: 50 });
      const times: number[] = [];
      const subscription: TransportSubscription = {
        groupId: 'g',
        topics: ['t'],
        handle: (() => {
          times.push(performance.now());
          if (times.length < 5) throw new Error('sync failure');
          return Promise.resolve();
        }) as TransportSubscription['handle'],
      };
      await started(broker, subscription);
      broker.append([record('t', 'k')]);

      await until(() => times.length === 5 && broker.inFlight().length === 0);
      const gaps = times.slice(1).map((time, i) => time - times[i]);
      [20, 40, 50, 50].forEach((minimum, i) => expect(gaps[i]).toBeGreaterThanOrEqual(minimum - 2));
      expect(gaps[3]).toBeLessThan(150); // uncapped doubling would wait 160 ms
    });

    it('dead-letters to the configured suffix', async () => {
      const broker = newBroker({ deadLetterSuffix: '-dead' });
      const [original] = broker.append([record('t', 'k')]);
      await new InMemoryTransport({ broker }).deadLetter(original, {
        errorType: 'E',
        message: 'm',
        attempts: 1,
        groupId: 'g',
      });

      const [dead] = broker.records('t-dead');
      expect(dead).toMatchObject({
        key: 'k',
        value: original.value,
        headers: { seq: '0', 'dlq-consumer-group': 'g' },
      });
    });
  });

  describe('lifecycle', () => {
    it('stops redelivering once the broker is closed, and refuses further use', async () => {
      const broker = newBroker({ retryInitialDelayMs: 5, retryMaxDelayMs: 5 });
      let attempts = 0;
      await started(
        broker,
        new Recorder('g', ['t'], async () => {
          attempts++;
          throw new Error('always');
        }),
      );
      broker.append([record('t', 'k')]);
      await until(() => attempts >= 2);

      await broker.close();
      const after = attempts;
      await sleep(50);
      expect(attempts).toBe(after);
      expect(() => broker.append([record('t', 'k')])).toThrow('closed');
    });

    it('shares one default broker, replaced once closed', async () => {
      const shared = InMemoryBroker.shared;
      expect(InMemoryBroker.shared).toBe(shared);
      await new InMemoryTransport().publish([record('shared-topic', 'k')]);
      expect(shared.records('shared-topic')).toHaveLength(1);

      await shared.close();
      expect(InMemoryBroker.shared).not.toBe(shared);
    });

    it('refuses subscriptions after start and start after close', async () => {
      const transport = await started(newBroker());
      expect(() => transport.subscribe(new Recorder('g', ['t']))).toThrow('subscribe before start');
      await transport.close();
      await expect(transport.start()).rejects.toThrow('closed');
    });
  });
});

/** A subscription that records what it handled (after `behaviour` resolved). */
class Recorder implements TransportSubscription {
  readonly received: IncomingRecord[] = [];

  constructor(
    readonly groupId: string,
    readonly topics: readonly string[],
    private readonly behaviour: (record: IncomingRecord) => Promise<void> = async () => {},
  ) {}

  async handle(record: IncomingRecord): Promise<void> {
    this.received.push(record);
    await this.behaviour(record);
  }
}

/** A promise tests open by hand. */
class Gate {
  open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));

  wait(): Promise<void> {
    return this.opened;
  }
}

/** Keys landing on partitions 0, 1, … of a topic with `count` partitions. */
function keyPerPartition(count: number): string[] {
  const keys = new Map<number, string>();
  for (let i = 0; keys.size < count; i++) {
    const partition = keyPartition(`key-${i}`, count);
    if (!keys.has(partition)) keys.set(partition, `key-${i}`);
  }
  return Array.from({ length: count }, (_, partition) => keys.get(partition)!);
}

function record(topic: string, key: string | null, seq = 0): TransportRecord {
  return { topic, key, value: Buffer.from(`v${seq}`), headers: { seq: String(seq) } };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${condition.toString()}`);
    await sleep(5);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
