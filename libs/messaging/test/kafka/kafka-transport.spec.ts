import { afterEach, describe, expect, it } from '@jest/globals';
import { encodeCloudEvent } from '../../src/serialization/cloud-event-codec.js';
import { KafkaPublishError } from '../../src/transports/kafka/kafka-publish-error.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import type { KafkaTransportOptions } from '../../src/transports/kafka/kafka-transport-options.js';
import type { IncomingRecord } from '../../src/transports/message-transport.js';
import { batchOf, FakeClient } from './support/fake-kafka-client.js';

// The transport over a fake client (support/fake-kafka-client.ts), so that topic naming,
// provisioning, offset handling and redelivery can be checked step by step without a broker.

describe('KafkaTransport over a fake client', () => {
  const transports: KafkaTransport[] = [];
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((transport) => transport.close()));
  });

  function transport(client: FakeClient, options: Partial<KafkaTransportOptions> = {}): KafkaTransport {
    const created = new KafkaTransport({
      client,
      consumer: { retryInitialDelayMs: 300, retryMaxDelayMs: 300, circuitBreaker: false },
      ...options,
    });
    transports.push(created);
    return created;
  }

  it('provisions subscribed and listed topics with their dead-letter topics, as configured per topic', async () => {
    const client = new FakeClient();
    client.adminClient.topics.set('orders', 4);
    const kafka = transport(client, {
      topicDefaults: { partitions: 6, replicationFactor: 3 },
      topics: { payments: { partitions: 2 } },
    });
    kafka.subscribe({ groupId: 'billing', topics: ['orders'], handle: async () => undefined });
    await kafka.start();
    expect(client.adminClient.created).toEqual(
      expect.arrayContaining([
        { topic: 'orders.dlq', partitions: 6, replicationFactor: 3 },
        { topic: 'payments', partitions: 2, replicationFactor: 3 },
        { topic: 'payments.dlq', partitions: 6, replicationFactor: 3 },
      ]),
    );
    expect(client.adminClient.created.map((spec) => spec.topic)).not.toContain('orders');
  });

  it("fails to start, naming the topic, when a 'verify' topic is missing", async () => {
    const client = new FakeClient();
    const kafka = transport(client, { topics: { orders: { provision: 'verify' } } });
    kafka.subscribe({ groupId: 'billing', topics: ['orders'], handle: async () => undefined });
    await expect(kafka.start()).rejects.toThrow(
      "Kafka topic 'orders' does not exist, and provisioning is 'verify' (create it, or set provision: 'create')",
    );
    client.adminClient.topics.set('orders', 4);
    await kafka.start();
  });

  it('maps message topics to prefixed Kafka topics and back, dead-lettering to the prefixed topic', async () => {
    const client = new FakeClient();
    const kafka = transport(client, { topicName: (topic) => `staging.${topic}` });
    const handled: IncomingRecord[] = [];
    kafka.subscribe({
      groupId: 'billing',
      topics: ['orders'],
      handle: async (record) => void handled.push(record),
    });
    await kafka.start();
    const [consumer] = client.consumers;
    expect(consumer!.subscribed).toEqual(['staging.orders']);

    await kafka.publish([{ topic: 'orders', key: 't-1', value: Buffer.from('{}'), headers: { a: '1' } }]);
    expect(client.producerClient.sent.map((record) => record.topic)).toEqual(['staging.orders']);

    await consumer!.runner.eachBatch(batchOf('staging.orders', 1, [{ offset: 7, key: 't-1' }]).batch);
    expect(handled.map((record) => record.topic)).toEqual(['orders']);

    await kafka.deadLetter(handled[0]!, {
      errorType: 'Boom',
      message: 'bad',
      attempts: 2,
      groupId: 'billing',
    });
    const dead = client.producerClient.sent[1]!;
    expect(dead).toMatchObject({ topic: 'staging.orders.dlq', key: 't-1', value: Buffer.from('7') });
    expect(dead.headers).toMatchObject({
      seq: '7',
      'dlq-error-type': 'Boom',
      'dlq-original-topic': 'staging.orders',
      'dlq-original-partition': '1',
      'dlq-original-offset': '7',
      'dlq-attempts': '2',
    });
  });

  it('commits up to a rejected record, fetches from it again after a pause, and skips what already finished', async () => {
    const client = new FakeClient();
    const kafka = transport(client);
    const attempts = new Map<string, number>();
    kafka.subscribe({
      groupId: 'billing',
      topics: ['orders'],
      handle: async (record) => {
        attempts.set(record.offset, (attempts.get(record.offset) ?? 0) + 1);
        if (record.offset === '11' && attempts.get('11')! < 2) throw new Error('database down');
      },
    });
    await kafka.start();
    const consumer = client.consumers[0]!;
    const records = [
      { offset: 10, key: 'a' },
      { offset: 11, key: 'b' },
      { offset: 12, key: 'b' },
      { offset: 13, key: 'c' },
    ];

    const first = batchOf('orders', 0, records);
    await consumer.runner.eachBatch(first.batch);
    expect(first.fetched.from).toBe('11');
    expect(consumer.commits).toEqual([{ topic: 'orders', partition: 0, offset: '11' }]);
    expect(consumer.pauses).toEqual(['pause orders[0]']);
    expect([...attempts]).toEqual([
      ['10', 1],
      ['11', 1],
      ['13', 1],
    ]);
    expect(kafka.activity.inFlight()).toEqual([
      'kafka: orders[0]@11 awaiting redelivery to group billing after 1 failed attempt',
      'kafka: orders[0]@12 awaiting group billing',
    ]);

    // The redelivery delay is not over: a batch arriving early leaves the record alone.
    const early = batchOf('orders', 0, records.slice(1));
    await consumer.runner.eachBatch(early.batch);
    expect(attempts.get('11')).toBe(1);
    expect(early.fetched.from).toBe('11');

    await new Promise((resolve) => setTimeout(resolve, 350));
    const again = batchOf('orders', 0, records.slice(1));
    await consumer.runner.eachBatch(again.batch);
    expect(again.fetched.from).toBe('14');
    expect(consumer.commits[consumer.commits.length - 1]).toEqual({
      topic: 'orders',
      partition: 0,
      offset: '14',
    });
    expect([...attempts]).toEqual([
      ['10', 1],
      ['11', 2],
      ['13', 1],
      ['12', 1],
    ]);
    expect(kafka.activity.inFlight()).toEqual([]);
  });

  it('fails a publish with a KafkaPublishError naming the topic when it cannot connect, and reconnects later', async () => {
    const client = new FakeClient();
    client.producerClient.failConnects = 1;
    const kafka = transport(client);
    const failed = await kafka
      .publish([{ topic: 'orders', key: null, value: null, headers: {} }])
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(KafkaPublishError);
    expect((failed as Error).message).toBe(
      "Publishing to Kafka topic 'orders' failed after 1 attempt: Connection error: connect ECONNREFUSED 127.0.0.1:9092",
    );
    await kafka.publish([{ topic: 'orders', key: null, value: null, headers: {} }]);
    expect(client.producerClient.sent).toHaveLength(1);
  });

  it('writes CloudEvents in structured mode when configured, and leaves other records as they are', async () => {
    const client = new FakeClient();
    const kafka = transport(client, { encoding: 'structured' });
    const event = encodeCloudEvent(
      {
        id: 'e1',
        type: 'orders.placed',
        source: '/app_domain/orders',
        time: '2026-01-01T00:00:00.000Z',
        message: { orderId: 'o1' },
        correlationId: 'e1',
        tenantId: 't-1',
        partitionKey: 't-1',
        headers: {},
      },
      'orders',
    );
    await kafka.publish([
      event,
      { topic: 'orders', key: 'k', value: Buffer.from('raw'), headers: { x: '1' } },
    ]);
    const [structured, plain] = client.producerClient.sent;
    expect(structured!.headers).toEqual({ 'content-type': 'application/cloudevents+json' });
    expect(JSON.parse(structured!.value!.toString())).toMatchObject({
      id: 'e1',
      tenantid: 't-1',
      data: { orderId: 'o1' },
    });
    expect(structured!.key).toBe('t-1');
    expect(plain).toEqual({ topic: 'orders', key: 'k', value: Buffer.from('raw'), headers: { x: '1' } });
  });

  it('refuses subscriptions after start and use after close', async () => {
    const client = new FakeClient();
    const kafka = transport(client);
    await kafka.start();
    expect(() => kafka.subscribe({ groupId: 'late', topics: ['t'], handle: async () => undefined })).toThrow(
      'Transport kafka: subscribe before start (group late)',
    );
    await kafka.close();
    await expect(kafka.publish([{ topic: 't', key: null, value: null, headers: {} }])).rejects.toThrow(
      'Transport kafka is closed',
    );
  });
});
