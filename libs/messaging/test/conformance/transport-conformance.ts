import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type {
  IncomingRecord,
  MessageTransport,
  TransportRecord,
  TransportSubscription,
} from '../../src/transports/message-transport.js';

/** Names one conformance test uses; a random suffix keeps tests (and reruns) apart on a real broker. */
export interface ConformanceNames {
  /** The topic the test publishes to. */
  readonly topic: string;
  /** `topic` + `.dlq`, where {@link MessageTransport.deadLetter} must put records. */
  readonly deadLetterTopic: string;
  /** Three distinct consumer groups. */
  readonly groups: readonly [string, string, string];
  /** The partition count the suite expects both topics to have; a Kafka harness creates them so. */
  readonly partitions: number;
}

/** What an implementation provides for one test. */
export interface ConformanceHarness {
  /** A new, unstarted transport; a test creates several to play separate service instances. */
  transport(): MessageTransport;
  /** Releases what the harness set up; called after the suite closed the test's transports. */
  cleanup(): Promise<void>;
}

/** Tuning of {@link describeTransportConformance} for slow brokers. */
export interface ConformanceOptions {
  /** Jest timeout of each test; 30 s by default. */
  readonly testTimeoutMs?: number;
  /** How long a waiting step polls before failing; 20 s by default. */
  readonly waitTimeoutMs?: number;
}

const PARTITIONS = 4;

/**
 * The behaviour every {@link MessageTransport} must show, as a Jest suite. `makeHarness` is called
 * once per test with that test's unique names.
 */
export function describeTransportConformance(
  label: string,
  makeHarness: (names: ConformanceNames) => Promise<ConformanceHarness>,
  options: ConformanceOptions = {},
): void {
  const testTimeoutMs = options.testTimeoutMs ?? 30_000;
  const waitTimeoutMs = options.waitTimeoutMs ?? 20_000;

  /** A test body gets a bed that closes its transports and cleans the harness up afterwards. */
  function conformanceTest(title: string, body: (bed: TestBed) => Promise<void>): void {
    it(
      title,
      async () => {
        const names = uniqueNames(title);
        const bed = new TestBed(await makeHarness(names), names, waitTimeoutMs);
        try {
          await body(bed);
        } finally {
          await bed.dispose();
        }
      },
      testTimeoutMs,
    );
  }

  describe(`${label} transport conformance`, () => {
    conformanceTest('delivers key, value and headers intact', async (bed) => {
      const { topic, groups } = bed.names;
      const inbox = new Inbox(groups[0], [topic]);
      await bed.started(inbox);
      const sent: TransportRecord[] = [
        {
          topic,
          key: 'tenant-1',
          value: Buffer.from('{"a":1}'),
          headers: { 'content-type': 'application/json', ce_id: 'x1' },
        },
        { topic, key: null, value: null, headers: {} },
      ];
      await (await bed.started()).publish(sent);

      await bed.until(
        () => inbox.received.length >= 2,
        () => `2 records arrive, got ${inbox.received.length}`,
      );
      const byHeaderCount = [...inbox.received].sort(
        (a, b) => Object.keys(b.headers).length - Object.keys(a.headers).length,
      );
      expect(
        byHeaderCount.map(({ topic: t, key, value, headers }) => ({ topic: t, key, value, headers })),
      ).toEqual(sent);
      for (const record of inbox.received) {
        expect(record.partition).toBeGreaterThanOrEqual(0);
        expect(record.partition).toBeLessThan(bed.names.partitions);
        expect(record.offset).toMatch(/^\d+$/);
      }
    });

    conformanceTest(
      'keeps records of one key in order while many keys are handled concurrently',
      async (bed) => {
        const { topic, groups } = bed.names;
        const keys = Array.from({ length: 16 }, (_, i) => `key-${i}`);
        const perKey = 15;
        const inbox = new Inbox(groups[0], [topic], () => sleep(Math.random() * 3));
        await bed.started(inbox);
        const producer = await bed.started();

        await Promise.all(
          keys.map(async (key) => {
            for (let seq = 0; seq < perKey; seq++) await producer.publish([sequenced(topic, key, seq)]);
          }),
        );

        const total = keys.length * perKey;
        await bed.until(
          () => inbox.received.length >= total,
          () => `${total} records arrive, got ${inbox.received.length}`,
        );
        for (const key of keys) {
          const ofKey = inbox.received.filter((record) => record.key === key);
          expect(ofKey.map(seqOf)).toEqual(Array.from({ length: perKey }, (_, seq) => seq));
          expect(new Set(ofKey.map((record) => record.partition)).size).toBe(1);
        }
      },
    );

    conformanceTest('gives every record to each consumer group', async (bed) => {
      const { topic, groups } = bed.names;
      const first = new Inbox(groups[0], [topic]);
      const second = new Inbox(groups[1], [topic]);
      await bed.started(first, second);

      await (
        await bed.started()
      ).publish(Array.from({ length: 20 }, (_, seq) => sequenced(topic, `k${seq}`, seq)));

      await bed.until(
        () => first.received.length >= 20 && second.received.length >= 20,
        () => `both groups get 20 records, got ${first.received.length} and ${second.received.length}`,
      );
      expect(first.seqs().sort(byNumber)).toEqual(range(20));
      expect(second.seqs().sort(byNumber)).toEqual(range(20));
    });

    conformanceTest(
      'splits partitions between members of one group, each record handled once',
      async (bed) => {
        const { topic, groups } = bed.names;
        const one = new Inbox(groups[0], [topic]);
        const two = new Inbox(groups[0], [topic]);
        await bed.started(one);
        await bed.started(two);
        const producer = await bed.started();

        // A real broker may take seconds to rebalance: publish in waves until both members got work.
        let published = 0;
        const publishWave = async (size: number) => {
          const wave = Array.from({ length: size }, (_, i) =>
            sequenced(topic, `key-${published + i}`, published + i),
          );
          published += size;
          await producer.publish(wave);
        };
        await bed.until(
          () => one.received.length > 0 && two.received.length > 0,
          () => `both members receive records, got ${one.received.length} and ${two.received.length}`,
          () => publishWave(8),
        );
        await publishWave(40);

        const seen = () => one.received.length + two.received.length;
        await bed.until(
          () => seen() >= published,
          () => `${published} records handled, got ${seen()}`,
        );
        await sleep(200); // a duplicate would show up right behind the last record
        expect([...one.seqs(), ...two.seqs()].sort(byNumber)).toEqual(range(published));
      },
    );

    conformanceTest('redelivers a rejected record before any later record of its partition', async (bed) => {
      const { topic, groups } = bed.names;
      const attempts = new Map<number, number>();
      const inbox = new Inbox(groups[0], [topic], async (record) => {
        const seq = seqOf(record);
        attempts.set(seq, (attempts.get(seq) ?? 0) + 1);
        if (seq === 0 && attempts.get(seq)! < 3) throw new Error('not yet');
      });
      await bed.started(inbox);

      await (await bed.started()).publish(range(5).map((seq) => sequenced(topic, 'same-key', seq)));

      await bed.until(
        () => inbox.seqs().includes(4),
        () => `record 4 arrives, got ${inbox.seqs().join(',')}`,
      );
      expect(inbox.seqs()).toEqual([0, 0, 0, 1, 2, 3, 4]);
      const firstOffsets = inbox.received
        .filter((record) => seqOf(record) === 0)
        .map((record) => record.offset);
      expect(new Set(firstOffsets).size).toBe(1);
    });

    conformanceTest('dead-letters a record to <topic>.dlq with the reason headers', async (bed) => {
      const { topic, deadLetterTopic, groups } = bed.names;
      const consumer = bed.transport();
      const inbox = new Inbox(groups[0], [topic], async (record) => {
        if (record.headers.poison === 'yes') {
          await consumer.deadLetter(record, {
            errorType: 'PoisonError',
            message: 'cannot parse',
            attempts: 3,
            groupId: groups[0],
          });
        }
      });
      const dlq = new Inbox(groups[1], [deadLetterTopic]);
      await bed.start(consumer, inbox);
      await bed.started(dlq);
      const before = Date.now();

      await (
        await bed.started()
      ).publish([
        { topic, key: 'k', value: Buffer.from('garbage'), headers: { poison: 'yes', ce_id: 'p1' } },
        sequenced(topic, 'k', 1),
      ]);

      await bed.until(
        () => dlq.received.length >= 1 && inbox.received.length >= 2,
        () => 'the poison record reaches the dlq',
      );
      const original = inbox.received[0];
      const [dead] = dlq.received;
      expect(dead.topic).toBe(deadLetterTopic);
      expect(dead.key).toBe('k');
      expect(dead.value).toEqual(Buffer.from('garbage'));
      expect(dead.headers).toMatchObject({
        poison: 'yes',
        ce_id: 'p1',
        'dlq-error-type': 'PoisonError',
        'dlq-error-message': 'cannot parse',
        'dlq-attempts': '3',
        'dlq-original-topic': topic,
        'dlq-original-partition': String(original.partition),
        'dlq-original-offset': original.offset,
        'dlq-consumer-group': groups[0],
      });
      const failedAt = Date.parse(dead.headers['dlq-failed-at']);
      expect(new Date(failedAt).toISOString()).toBe(dead.headers['dlq-failed-at']);
      expect(failedAt).toBeGreaterThanOrEqual(before - 1_000);
      expect(failedAt).toBeLessThanOrEqual(Date.now() + 1_000);
    });

    conformanceTest('delivers records published before the group first subscribed', async (bed) => {
      const { topic, groups } = bed.names;
      await (await bed.started()).publish(range(3).map((seq) => sequenced(topic, `k${seq}`, seq)));

      const late = new Inbox(groups[0], [topic]);
      await bed.started(late);

      await bed.until(
        () => late.received.length >= 3,
        () => `3 earlier records arrive, got ${late.received.length}`,
      );
      expect(late.seqs().sort(byNumber)).toEqual([0, 1, 2]);
    });

    conformanceTest('close() lets a running handle finish and commits it', async (bed) => {
      const { topic, groups } = bed.names;
      let started = false;
      let finished = false;
      const inbox = new Inbox(groups[0], [topic], async () => {
        started = true;
        await sleep(500);
        finished = true;
      });
      const consumer = await bed.started(inbox);
      const producer = await bed.started();
      await producer.publish([sequenced(topic, 'k', 0)]);
      await bed.until(
        () => started,
        () => 'the handle starts',
      );

      await bed.close(consumer);
      expect(finished).toBe(true);

      const successor = new Inbox(groups[0], [topic]);
      await bed.started(successor);
      await producer.publish([sequenced(topic, 'k', 1)]);
      await bed.until(
        () => successor.seqs().includes(1),
        () => 'the next record reaches the successor',
      );
      expect(successor.seqs()).toEqual([1]);
    });

    conformanceTest('reports no activity once every record is handled', async (bed) => {
      const { topic, groups } = bed.names;
      const inbox = new Inbox(groups[0], [topic]);
      const consumer = await bed.started(inbox);
      await (await bed.started()).publish(range(10).map((seq) => sequenced(topic, `k${seq}`, seq)));

      await bed.until(
        () => inbox.received.length >= 10,
        () => `10 records arrive, got ${inbox.received.length}`,
      );
      const activity = consumer.activity;
      if (activity)
        await bed.until(
          () => activity.inFlight().length === 0,
          () => `no activity, got ${activity.inFlight().join('; ')}`,
        );
    });
  });
}

/** The transports and names of one test. */
class TestBed {
  private readonly open = new Set<MessageTransport>();

  constructor(
    private readonly harness: ConformanceHarness,
    readonly names: ConformanceNames,
    private readonly waitTimeoutMs: number,
  ) {}

  /** A new transport, closed when the test ends. */
  transport(): MessageTransport {
    const transport = this.harness.transport();
    this.open.add(transport);
    return transport;
  }

  /** A new transport with the inboxes subscribed, started. */
  async started(...inboxes: Inbox[]): Promise<MessageTransport> {
    return this.start(this.transport(), ...inboxes);
  }

  /** Subscribes the inboxes to `transport` and starts it. */
  async start(transport: MessageTransport, ...inboxes: Inbox[]): Promise<MessageTransport> {
    inboxes.forEach((inbox) => transport.subscribe(inbox));
    await transport.start();
    return transport;
  }

  async close(transport: MessageTransport): Promise<void> {
    this.open.delete(transport);
    await transport.close();
  }

  /** Polls until `condition` holds, running `step` between polls; fails saying what it waited for. */
  async until(condition: () => boolean, what: () => string, step?: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + this.waitTimeoutMs;
    while (!condition()) {
      if (Date.now() > deadline)
        throw new Error(`Timed out after ${this.waitTimeoutMs} ms waiting until ${what()}`);
      await step?.();
      await sleep(step ? 200 : 20);
    }
  }

  async dispose(): Promise<void> {
    try {
      await Promise.all([...this.open].map((transport) => transport.close()));
    } finally {
      await this.harness.cleanup();
    }
  }
}

/** A subscription that keeps what it was given, after `behaviour` (if any) resolved. */
class Inbox implements TransportSubscription {
  readonly received: IncomingRecord[] = [];

  constructor(
    readonly groupId: string,
    readonly topics: readonly string[],
    private readonly behaviour?: (record: IncomingRecord) => Promise<void>,
  ) {}

  async handle(record: IncomingRecord): Promise<void> {
    try {
      await this.behaviour?.(record);
    } finally {
      // Failed attempts are kept too: the redelivery test counts them.
      this.received.push(record);
    }
  }

  seqs(): number[] {
    return this.received.map(seqOf);
  }
}

function uniqueNames(title: string): ConformanceNames {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40)
    .replace(/-+$/, '');
  const suffix = randomUUID().slice(0, 8);
  const topic = `conformance.${slug}.${suffix}`;
  const group = (name: string) => `conformance-${slug}-${suffix}-${name}`;
  return {
    topic,
    deadLetterTopic: `${topic}.dlq`,
    groups: [group('a'), group('b'), group('c')],
    partitions: PARTITIONS,
  };
}

function sequenced(topic: string, key: string, seq: number): TransportRecord {
  return { topic, key, value: Buffer.from(JSON.stringify({ seq })), headers: { seq: String(seq) } };
}

function seqOf(record: IncomingRecord): number {
  return Number(record.headers.seq);
}

function range(length: number): number[] {
  return Array.from({ length }, (_, i) => i);
}

function byNumber(a: number, b: number): number {
  return a - b;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
