// The batched inbox behind the real Kafka consumer: each fetched batch is claimed ahead, every
// message is handled once per consumer group (redelivered duplicates included), failed deliveries
// run again, and no claim is left behind, not even for records that never reach a handler.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import {
  EventHandler,
  FailureActions,
  KafkaTransport,
  MessageContext,
  encodeCloudEvent,
} from '@momentum/messaging';
import {
  KAFKA_BROKERS,
  createTopics,
  deleteTopics,
  rawKafka,
  testTransportOptions,
  uniqueSuffix,
} from '../../messaging/test/kafka/support/kafka-test-kit.js';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { ORDER_PLACED, OrderPlaced } from './support/test-messages.js';

const handled = new Map<string, number>();
const failing = { id: '', failures: 0 };

@Injectable()
class CountingOrders {
  @EventHandler()
  placed(_event: OrderPlaced, context: MessageContext): void {
    if (context.id === failing.id && failing.failures > 0) {
      failing.failures--;
      throw new Error(`${context.id} fails this time`);
    }
    handled.set(context.id, (handled.get(context.id) ?? 0) + 1);
  }
}

describe('batched inbox on Kafka', () => {
  const url = databaseUrl();
  const schema = uniqueSchema('batched_kafka');
  const suffix = uniqueSuffix();
  const topic = `${suffix}.${ORDER_PLACED}`;
  let app: OutboxTestApp | undefined;

  beforeAll(async () => {
    await createTopics([topic]);
  }, 60_000);

  afterEach(async () => {
    await app?.close();
    app = undefined;
  }, 30_000);

  afterAll(async () => {
    await deleteTopics([topic, `${topic}.dlq`]);
    await dropSchema(schema);
  }, 60_000);

  it('handles every message once, duplicates and a failed delivery included, and leaves no claim', async () => {
    app = await startOutboxApp({
      outbox: { url, schema, autoCreate: true, nodes: { mode: 'solo' }, inbox: { mode: 'batched' } },
      providers: [CountingOrders],
      serviceName: `batched-${suffix}`,
      messaging: {
        transports: [
          new KafkaTransport(
            testTransportOptions({ brokers: KAFKA_BROKERS, topicName: (name) => `${suffix}.${name}` }),
          ),
        ],
        defaultFailureAction: FailureActions.requeue(5),
      },
    });
    await produceUnhandledRecords(topic);
    const ids = Array.from({ length: 600 }, (_, i) => `kafka-batched-${i}`);
    failing.id = ids[17]!;
    failing.failures = 2;
    // Every tenth message is published twice, in separate transactions: two records, one id.
    const published = [...ids, ...ids.filter((_, i) => i % 10 === 0)];
    for (let i = 0; i < published.length; i += 50)
      await app.outbox.transaction(async () => {
        for (const id of published.slice(i, i + 50))
          await app!.bus.publish(new OrderPlaced(`order-${id}`, i), { id });
      });

    await eventually(() => handled.size === ids.length, 'every message handled', 60_000);
    await eventually(async () => {
      const rows = await adminQuery<{ status: string }>(`SELECT status FROM "${schema}".incoming`);
      return rows.length === ids.length && rows.every((row) => row.status === 'handled');
    }, 'every message marked handled, no claim left');
    expect([...handled.values()].every((count) => count === 1)).toBe(true);
    expect(failing.failures).toBe(0);
  }, 90_000);
});

/** A record that is no CloudEvent and one of a type nothing here handles: dead-lettered and skipped. */
async function produceUnhandledRecords(topic: string): Promise<void> {
  const producer = rawKafka().producer();
  await producer.connect();
  const unknown = encodeCloudEvent(
    {
      id: 'unknown-type-1',
      type: 'app_domain.outbox_tests.unknown',
      message: {},
      correlationId: 'unknown-type-1',
      source: '/app_domain/test',
      time: new Date().toISOString(),
      headers: {},
    },
    topic,
  );
  try {
    await producer.send({
      topic,
      messages: [
        { key: 'k', value: 'not a cloud event' },
        { key: unknown.key, value: unknown.value, headers: { ...unknown.headers } },
      ],
    });
  } finally {
    await producer.disconnect();
  }
}
