import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { EventHandler, EventTopic, FailureActions, encodeCloudEvent } from '@momentum/messaging';
import { keyPartition } from '../../src/transports/in-memory/in-memory-broker.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import { startMessagingApp, type MessagingTestApp } from '../support/messaging-app.js';
import {
  PARTITIONS,
  committedOffsets,
  eventually,
  rawKafka,
  readTopic,
  testTransportOptions,
  uniqueSuffix,
  waitUntil,
  type RawRecord,
} from './support/kafka-test-kit.js';

const TENANT = 'tenant-poison';

function poisonFlow(topic: string) {
  @EventTopic(topic)
  class OrderPlaced {
    constructor(
      readonly orderId: string,
      readonly tenantId: string,
    ) {}
  }

  @Injectable()
  class Handlers {
    readonly handled: string[] = [];
    readonly attempts = new Map<string, number>();

    @EventHandler()
    onOrderPlaced(event: OrderPlaced): void {
      this.attempts.set(event.orderId, (this.attempts.get(event.orderId) ?? 0) + 1);
      if (event.orderId === 'poison') throw new Error('poison order');
      this.handled.push(event.orderId);
    }
  }
  return { OrderPlaced, Handlers };
}

describe('dead letters on Kafka', () => {
  const apps: MessagingTestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  }, 60_000);

  it('sends a poison event, an undecodable record and a non-CloudEvent to <topic>.dlq; the partition flows on', async () => {
    const suffix = uniqueSuffix();
    const topic = `it.${suffix}.orders.order-placed`;
    const groupId = `billing-${suffix}`;
    const { OrderPlaced, Handlers } = poisonFlow(topic);
    const app = await startMessagingApp([Handlers], {
      serviceName: 'billing',
      consumerGroup: groupId,
      transports: [new KafkaTransport(testTransportOptions())],
      defaultFailureAction: FailureActions.retry({ attempts: 3, initialDelayMs: 1 }),
    });
    apps.push(app);
    const handlers = app.app.get(Handlers);

    await app.bus.publish(new OrderPlaced('poison', TENANT));
    await app.bus.publish(new OrderPlaced('after-poison', TENANT));
    const producer = rawKafka().producer();
    await producer.connect();
    const valid = encodeCloudEvent(
      {
        id: `undecodable-${suffix}`,
        type: topic,
        source: '/app_domain/orders',
        time: new Date().toISOString(),
        message: {},
        correlationId: 'c',
        tenantId: TENANT,
        partitionKey: TENANT,
        headers: {},
      },
      topic,
    );
    await producer.send({
      topic,
      messages: [
        { key: TENANT, value: Buffer.from('{"orderId": not json'), headers: { ...valid.headers } },
        { key: TENANT, value: Buffer.from('{"orderId":"raw"}'), headers: { 'x-origin': 'legacy-system' } },
      ],
    });
    await producer.disconnect();
    await app.bus.publish(new OrderPlaced('last', TENANT));

    await waitUntil(
      () => handlers.handled.includes('last'),
      () => `the record after the bad ones is handled; handled: ${handlers.handled.join(', ')}`,
    );
    expect(handlers.handled).toEqual(['after-poison', 'last']);
    expect(handlers.attempts.get('poison')).toBe(3);

    const dead = await readTopic(`${topic}.dlq`, 3);
    const partition = keyPartition(TENANT, PARTITIONS);
    const [poison, undecodable, raw] = [...dead].sort(byOriginalOffset);
    expect(headersOf(poison!)).toMatchObject({
      'dlq-error-type': 'Error',
      'dlq-error-message': 'poison order',
      'dlq-attempts': '3',
      'dlq-original-topic': topic,
      'dlq-original-partition': String(partition),
      'dlq-original-offset': '0',
      'dlq-consumer-group': groupId,
      ce_type: topic,
      ce_tenantid: TENANT,
      'content-type': 'application/json',
    });
    expect(poison!.message.key?.toString()).toBe(TENANT);
    expect(JSON.parse(poison!.message.value!.toString())).toEqual({ orderId: 'poison', tenantId: TENANT });
    expect(Date.parse(headersOf(poison!)['dlq-failed-at']!)).toBeGreaterThan(Date.now() - 60_000);

    expect(headersOf(undecodable!)).toMatchObject({
      'dlq-error-type': 'MessageDeserializationError',
      'dlq-original-offset': '2',
      ce_id: `undecodable-${suffix}`,
    });
    expect(headersOf(undecodable!)['dlq-error-message']).toMatch(/not valid JSON/);
    expect(undecodable!.message.value!.toString()).toBe('{"orderId": not json');

    expect(headersOf(raw!)).toMatchObject({
      'dlq-error-type': 'MessageDeserializationError',
      'dlq-original-offset': '3',
      'x-origin': 'legacy-system',
    });
    expect(headersOf(raw!)['dlq-error-message']).toMatch(
      /not a CloudEvent: missing ce_specversion, ce_id, ce_type, ce_source/,
    );
    expect(raw!.message.value!.toString()).toBe('{"orderId":"raw"}');

    // Nothing loops: once idle, the group's offset is past every record of the partition.
    await app.idle(30_000);
    let committed = new Map<number, string>();
    await eventually(
      async () => (committed = await committedOffsets(groupId, topic)).get(partition) === '5',
      () => `offset 5 committed on partition ${partition}, got ${committed.get(partition)}`,
    );
    expect(handlers.attempts.get('poison')).toBe(3);
  }, 90_000);
});

function headersOf(record: RawRecord): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record.message.headers ?? {}).map(([name, value]) => [name, String(value)]),
  );
}

function byOriginalOffset(a: RawRecord, b: RawRecord): number {
  return Number(headersOf(a)['dlq-original-offset']) - Number(headersOf(b)['dlq-original-offset']);
}
