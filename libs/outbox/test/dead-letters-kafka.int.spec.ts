// Dead letters of a Kafka consumer with the durable (transactional) inbox: a handler's non-retryable
// failure is recorded in the PostgreSQL store and written to the topic's `.dlq` topic with its
// reason headers; replaying the stored letter after the fix sends it over Kafka to that group, which
// handles it once, and removes the letter.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KafkaTransport, NonRetryableError } from '@momentum/messaging';
import {
  KAFKA_BROKERS,
  createTopics,
  deleteTopics,
  readTopic,
  testTransportOptions,
  uniqueSuffix,
} from '../../messaging/test/kafka/support/kafka-test-kit.js';
import { AppliedOrders, appliedConfig, appliedTable, createAppliedTable } from './support/applied-orders.js';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { ORDER_PLACED, OrderPlaced } from './support/test-messages.js';

/** A billing failure no retry can fix. */
class BillingRejectedError extends NonRetryableError {
  override readonly name = 'BillingRejectedError';
}

const headerText = (value: Buffer | string | (Buffer | string)[] | undefined): string | undefined =>
  value === undefined ? undefined : String(Array.isArray(value) ? value[0] : value);

describe('dead letters of a Kafka consumer', () => {
  const url = databaseUrl();
  const schema = uniqueSchema('dl_kafka');
  const suffix = uniqueSuffix();
  const topic = `${suffix}.${ORDER_PLACED}`;
  const serviceName = `billing-${suffix}`;
  let app: OutboxTestApp | undefined;
  let broken = true;

  beforeAll(async () => {
    await createTopics([topic, `${topic}.dlq`]);
    await adminQuery(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await adminQuery(createAppliedTable(schema));
    appliedConfig.schema = schema;
    appliedConfig.afterWrite = async (event) => {
      if (broken && event.orderId === 'bad') throw new BillingRejectedError(`cannot bill ${event.orderId}`);
    };
    app = await startOutboxApp({
      outbox: { url, schema, autoCreate: true, nodes: { mode: 'solo' }, relay: { pollIntervalMs: 100 } },
      providers: [AppliedOrders],
      serviceName,
      messaging: {
        transports: [
          new KafkaTransport(
            testTransportOptions({ brokers: KAFKA_BROKERS, topicName: (name) => `${suffix}.${name}` }),
          ),
        ],
      },
    });
  }, 60_000);

  afterAll(async () => {
    appliedConfig.afterWrite = async () => undefined;
    await app?.close();
    await deleteTopics([topic, `${topic}.dlq`]);
    await dropSchema(schema);
  }, 60_000);

  it('records the failure in PostgreSQL and on the .dlq topic, and a replay after the fix delivers it once', async () => {
    const applied = async () =>
      (await adminQuery<{ order_id: string }>(`SELECT order_id FROM ${appliedTable(schema)} ORDER BY n`)).map(
        (row) => row.order_id,
      );
    await app!.outbox.transaction(async () => {
      await app!.bus.publish(new OrderPlaced('good', 1), { id: 'kafka-good', tenantId: 'tenant-k' });
      await app!.bus.publish(new OrderPlaced('bad', 2), { id: 'kafka-bad', tenantId: 'tenant-k' });
    });

    await eventually(
      async () => (await app!.deadLetters.list()).length === 1,
      'the stored dead letter',
      30_000,
    );
    await eventually(async () => (await applied()).includes('good'), 'the good message handled', 30_000);
    const [letter] = await app!.deadLetters.list();
    expect(letter).toMatchObject({
      messageId: 'kafka-bad',
      messageType: ORDER_PLACED,
      body: { orderId: 'bad', sequence: 2 },
      tenantId: 'tenant-k',
      handler: 'AppliedOrders.placed',
      transport: 'kafka',
      topic: ORDER_PLACED,
      errorType: 'BillingRejectedError',
      errorMessage: 'cannot bill bad',
      replayable: true,
    });
    expect(letter!.consumer).toContain(serviceName);
    expect(letter!.source).toBe(`kafka:${ORDER_PLACED}`);
    // The failed attempt's write rolled back with the inbox transaction.
    expect(await applied()).toEqual(['good']);

    const [dlq] = await readTopic(`${topic}.dlq`, 1);
    const headers = dlq!.message.headers ?? {};
    expect(headerText(headers['ce_id'])).toBe('kafka-bad');
    expect(headerText(headers['dlq-error-type'])).toBe('BillingRejectedError');
    expect(headerText(headers['dlq-error-message'])).toBe('cannot bill bad');
    expect(headerText(headers['dlq-original-topic'])).toBe(topic);
    expect(headerText(headers['dlq-consumer-group'])).toBe(letter!.consumer);
    expect(dlq!.message.key?.toString()).toBe('bad');

    broken = false;
    await app!.deadLetters.replay(letter!.id);
    expect(await app!.deadLetters.list()).toEqual([]);
    await eventually(async () => (await applied()).length === 2, 'the replayed message handled', 30_000);
    // The replay went over Kafka: a third record on the topic, with the dead letter's id.
    const records = await readTopic(topic, 3);
    expect(records.map((record) => headerText(record.message.headers?.['ce_id'])).sort()).toEqual([
      'kafka-bad',
      'kafka-bad',
      'kafka-good',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await applied()).sort()).toEqual(['bad', 'good']);
    expect(await app!.deadLetters.list()).toEqual([]);
    // Nothing more was dead-lettered to Kafka.
    expect(await readTopic(`${topic}.dlq`, 1)).toHaveLength(1);
  }, 90_000);
});
