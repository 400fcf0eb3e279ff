import { describe, expect, it } from '@jest/globals';
import type { KafkaProducerClient } from '../../src/transports/kafka/kafka-client.js';
import { KafkaPublishError } from '../../src/transports/kafka/kafka-publish-error.js';
import { ProducerBatcher, type ProducerBatcherOptions } from '../../src/transports/kafka/producer-batcher.js';
import type { TransportRecord } from '../../src/transports/message-transport.js';

/** A producer on our client interface that records requests and fails or holds them on demand. */
class FakeProducer implements KafkaProducerClient {
  readonly requests: TransportRecord[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Errors the next requests fail with, in order. */
  failures: Error[] = [];
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}

  async send(records: readonly TransportRecord[]): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.gate;
      const failure = this.failures.shift();
      if (failure) throw failure;
      this.requests.push([...records]);
    } finally {
      this.inFlight -= 1;
    }
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }
}

const OPTIONS: ProducerBatcherOptions = {
  maxBatchSize: 100,
  lingerMs: 0,
  retries: 3,
  retryInitialDelayMs: 100,
  retryMaxDelayMs: 1_000,
};

function batcher(
  producer: FakeProducer,
  options: Partial<ProducerBatcherOptions> = {},
  waits: number[] = [],
) {
  return new ProducerBatcher(
    (records) => producer.send(records),
    { ...OPTIONS, ...options },
    async (ms) => {
      waits.push(ms);
    },
  );
}

function record(topic: string, n: number): TransportRecord {
  return { topic, key: `k${n % 3}`, value: Buffer.from(String(n)), headers: { n: String(n) } };
}

function ids(request: readonly TransportRecord[]): string[] {
  return request.map((r) => `${r.topic}:${r.headers.n}`);
}

function retriable(message: string): Error {
  return Object.assign(new Error(message), { retriable: true });
}

async function ticks(count = 3): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('ProducerBatcher', () => {
  it('sends publishes made in the same tick in one request, topics mixed, order kept', async () => {
    const producer = new FakeProducer();
    const sender = batcher(producer);
    await Promise.all([
      sender.send([record('a', 1), record('b', 2)]),
      sender.send([record('a', 3)]),
      sender.send([record('b', 4)]),
    ]);
    expect(producer.requests.map(ids)).toEqual([['a:1', 'b:2', 'a:3', 'b:4']]);
  });

  it('queues publishes behind the request in flight and sends them together next, one request at a time', async () => {
    const producer = new FakeProducer();
    const sender = batcher(producer);
    producer.hold();
    const first = sender.send([record('t', 0)]);
    await ticks();
    const later = Array.from({ length: 5 }, (_, i) => sender.send([record('t', i + 1)]));
    await ticks();
    expect(producer.inFlight).toBe(1);
    producer.release();
    await Promise.all([first, ...later]);
    expect(producer.requests.map(ids)).toEqual([['t:0'], ['t:1', 't:2', 't:3', 't:4', 't:5']]);
    expect(producer.maxInFlight).toBe(1);
  });

  it('splits at the maximum batch size; a publish spanning requests resolves once all are sent', async () => {
    const producer = new FakeProducer();
    const sender = batcher(producer, { maxBatchSize: 3 });
    await sender.send(Array.from({ length: 7 }, (_, i) => record('t', i)));
    expect(producer.requests.map((request) => request.length)).toEqual([3, 3, 1]);
  });

  it('lingers before the first request unless the batch fills up', async () => {
    const producer = new FakeProducer();
    const sender = batcher(producer, { lingerMs: 200, maxBatchSize: 4 });
    const lingering = sender.send([record('t', 0)]);
    await ticks();
    expect(producer.requests).toHaveLength(0);
    const full = sender.send([record('t', 1), record('t', 2), record('t', 3)]);
    await Promise.all([lingering, full]);
    expect(producer.requests.map((request) => request.length)).toEqual([4]);

    const started = Date.now();
    await sender.send([record('t', 4)]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('retries a failed request with exponential backoff and then succeeds', async () => {
    const producer = new FakeProducer();
    const waits: number[] = [];
    const sender = batcher(producer, {}, waits);
    producer.failures = [retriable('leader moved'), retriable('leader moved')];
    await sender.send([record('t', 1)]);
    expect(producer.requests.map(ids)).toEqual([['t:1']]);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(80);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(160);
    expect(waits[1]).toBeLessThanOrEqual(200);
  });

  it('fails every publish of the request with an error naming topics, attempts and cause when retries run out', async () => {
    const producer = new FakeProducer();
    const sender = batcher(producer, { retries: 2 });
    producer.failures = [1, 2, 3].map(() =>
      retriable('Connection error: connect ECONNREFUSED 127.0.0.1:9094'),
    );
    const one = sender.send([record('orders', 1)]);
    const two = sender.send([record('billing', 2)]);
    const error = await one.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(KafkaPublishError);
    expect((error as KafkaPublishError).message).toBe(
      "Publishing to Kafka topics 'orders', 'billing' failed after 3 attempts: Connection error: connect ECONNREFUSED 127.0.0.1:9094",
    );
    expect((error as KafkaPublishError).topics).toEqual(['orders', 'billing']);
    expect(((error as Error).cause as Error).message).toMatch(/ECONNREFUSED/);
    await expect(two).rejects.toBe(error);

    await sender.send([record('orders', 3)]);
    expect(producer.requests.map(ids)).toEqual([['orders:3']]);
  });

  it('does not retry an error marked as not retriable', async () => {
    const producer = new FakeProducer();
    const waits: number[] = [];
    const sender = batcher(producer, {}, waits);
    producer.failures = [Object.assign(new Error('Message too large'), { retriable: false })];
    await expect(sender.send([record('t', 1)])).rejects.toThrow(
      "Publishing to Kafka topic 't' failed after 1 attempt: Message too large",
    );
    expect(waits).toEqual([]);
  });

  it('flush resolves once queued and in-flight records are sent', async () => {
    const producer = new FakeProducer();
    const sender = batcher(producer, { lingerMs: 60_000 });
    const sent = sender.send([record('t', 1)]);
    await sender.flush();
    expect(producer.requests).toHaveLength(1);
    await sent;
  });
});
