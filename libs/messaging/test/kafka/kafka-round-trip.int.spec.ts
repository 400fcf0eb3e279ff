import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Kafka, type CloudEventV1, type KafkaMessage } from 'cloudevents';
import { EventHandler, EventTopic, MessageContext } from '@momentum/messaging';
import { keyPartition } from '../../src/transports/in-memory/in-memory-broker.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import type { KafkaTransportOptions } from '../../src/transports/kafka/kafka-transport-options.js';
import { startMessagingApp, type MessagingTestApp } from '../support/messaging-app.js';
import {
  PARTITIONS,
  readTopic,
  testTransportOptions,
  uniqueSuffix,
  waitUntil,
  type RawRecord,
} from './support/kafka-test-kit.js';

/** An integration event and a billing handler for it, on a topic of their own. */
function orderFlow(topic: string) {
  @EventTopic(topic)
  class OrderPlaced {
    constructor(
      readonly orderId: string,
      readonly tenantId: string,
      readonly amount: number,
    ) {}
  }

  @Injectable()
  class BillingHandlers {
    readonly received: { readonly event: OrderPlaced; readonly context: MessageContext }[] = [];

    @EventHandler()
    onOrderPlaced(event: OrderPlaced, context: MessageContext): void {
      this.received.push({ event, context });
    }
  }
  return { OrderPlaced, BillingHandlers };
}

const TENANTS = ['tenant-a', 'tenant-b', 'tenant-c'];
const ORDERS_PER_TENANT = 4;

describe('integration events between two Nest apps over Kafka', () => {
  const apps: MessagingTestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  }, 60_000);

  async function roundTrip(publisherOptions: Partial<KafkaTransportOptions>) {
    const suffix = uniqueSuffix();
    const topic = `it.${suffix}.orders.order-placed`;
    const { OrderPlaced, BillingHandlers } = orderFlow(topic);
    const billing = await startMessagingApp([BillingHandlers], {
      serviceName: 'billing',
      consumerGroup: `billing-${suffix}`,
      transports: [new KafkaTransport(testTransportOptions())],
    });
    apps.push(billing);
    const orders = await startMessagingApp([], {
      serviceName: 'orders',
      transports: [new KafkaTransport(testTransportOptions(publisherOptions))],
    });
    apps.push(orders);

    const published = TENANTS.flatMap((tenant) =>
      Array.from(
        { length: ORDERS_PER_TENANT },
        (_, i) => new OrderPlaced(`${tenant}-order-${i}`, tenant, 10 + i),
      ),
    );
    await Promise.all(published.map((event) => orders.bus.publish(event)));

    const handlers = billing.app.get(BillingHandlers);
    await waitUntil(
      () => handlers.received.length >= published.length,
      () => `${published.length} events handled by billing, got ${handlers.received.length}`,
    );
    const raw = await readTopic(topic, published.length);
    return { topic, published, received: handlers.received, raw };
  }

  it('carries an event from orders to billing as a binary-mode CloudEvent keyed and partitioned by tenant', async () => {
    const { topic, published, received, raw } = await roundTrip({});

    expect(received.map(({ event }) => event.orderId).sort()).toEqual(published.map((e) => e.orderId).sort());
    for (const { event, context } of received) {
      expect(event).toBeInstanceOf(published[0]!.constructor);
      expect(context.tenantId).toBe(event.tenantId);
      expect(context.envelope.source).toBe('/app_domain/orders');
      expect(context.envelope.type).toBe(topic);
    }

    expect(raw).toHaveLength(published.length);
    for (const record of raw) {
      const event = toCloudEvent(record);
      const data = event.data as { orderId: string; tenantId: string; amount: number };
      expect(record.message.headers?.['content-type']?.toString()).toBe('application/json');
      expect(event).toMatchObject({
        specversion: '1.0',
        type: topic,
        source: '/app_domain/orders',
        tenantid: data.tenantId,
        partitionkey: data.tenantId,
      });
      expect(event.id).toEqual(expect.any(String));
      expect(Number.isNaN(Date.parse(event.time!))).toBe(false);
      expect(published).toContainEqual(expect.objectContaining(data));
      expect(record.message.key?.toString()).toBe(data.tenantId);
    }
    expectPartitionPerTenant(raw);
  });

  it('publishes structured-mode CloudEvents when configured, which billing and the SDK both decode', async () => {
    const { published, received, raw } = await roundTrip({ encoding: 'structured' });

    expect(received.map(({ event }) => event.orderId).sort()).toEqual(published.map((e) => e.orderId).sort());
    for (const record of raw) {
      expect(record.message.headers?.['content-type']?.toString()).toBe('application/cloudevents+json');
      expect(Object.keys(record.message.headers ?? {}).filter((name) => name.startsWith('ce_'))).toEqual([]);
      const event = toCloudEvent(record);
      const data = event.data as { tenantId: string };
      expect(event).toMatchObject({
        specversion: '1.0',
        source: '/app_domain/orders',
        tenantid: data.tenantId,
      });
    }
    expectPartitionPerTenant(raw);
  });
});

/** Decodes a raw record with the cloudevents SDK's Kafka binding. */
function toCloudEvent({ message }: RawRecord): CloudEventV1<unknown> {
  const headers = Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
  );
  const kafkaMessage: KafkaMessage = {
    key: message.key?.toString() ?? '',
    value: message.value!,
    body: message.value!,
    headers,
    timestamp: message.timestamp,
  };
  const decoded = Kafka.toEvent(kafkaMessage);
  return (Array.isArray(decoded) ? decoded[0] : decoded) as CloudEventV1<unknown>;
}

/** Every record of a tenant is on one partition: the one Kafka's murmur2 partitioner picks for its key. */
function expectPartitionPerTenant(raw: readonly RawRecord[]): void {
  for (const tenant of TENANTS) {
    const partitions = new Set(
      raw.filter((record) => record.message.key?.toString() === tenant).map((record) => record.partition),
    );
    expect([...partitions]).toEqual([keyPartition(tenant, PARTITIONS)]);
  }
}
