import { randomBytes, randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';
import type { DynamicModule } from '@nestjs/common';
import {
  MessagingModule,
  encodeCloudEvent,
  type MessagingModuleOptions,
  type TransportRecord,
} from '@momentum/messaging';
import { OutboxMessagingBridge, OutboxModule, type OutboxModuleOptions } from '@momentum/outbox';
import pg from 'pg';

/** The brokers the benchmarks use (`KAFKA_BROKERS`, default the local test broker). */
export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((broker) => broker.trim())
  .filter((broker) => broker.length > 0);

/** The PostgreSQL the benchmarks use (`DATABASE_URL`). */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A short random suffix keeping topics, groups and schemas of one run apart. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** A kafkajs client logging only errors. */
export function rawKafka(clientId: string): InstanceType<typeof kafkajs.Kafka> {
  return new kafkajs.Kafka({ brokers: BROKERS, clientId, logLevel: kafkajs.logLevel.ERROR });
}

/** Creates `topic` with `partitions` partitions and waits until every partition has a leader. */
export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({
    waitForLeaders: false,
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      if (topics[0]?.partitions.length === partitions && topics[0].partitions.every((p) => p.leader >= 0))
        return;
    } catch {
      // a fresh topic may briefly be unknown to the broker's metadata
    }
    if (Date.now() > deadline) throw new Error(`no leaders for ${topic} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A ~500-byte (key + value + headers) binary-mode CloudEvent like the publish benchmark's, of CloudEvents type `type` on
 * `topic`, keyed by `key`.
 */
export function benchCloudEvent(
  topic: string,
  type: string,
  key: string,
  data: object = {},
): TransportRecord {
  const tenantId = 'tenant-1';
  return encodeCloudEvent(
    {
      id: randomUUID(),
      type,
      source: '/app_domain/orders',
      time: new Date().toISOString(),
      correlationId: randomUUID(),
      tenantId,
      partitionKey: key,
      headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
      message: {
        orderId: randomUUID(),
        tenantId,
        lines: [{ sku: 'SKU-0001', quantity: 2, unitPrice: 19.99 }],
        total: 39.98,
        currency: 'EUR',
        ...data,
      },
    } as Parameters<typeof encodeCloudEvent>[0],
    topic,
  );
}

/** Bytes of a record on the wire, roughly: key + value + header names and values. */
export function recordSize(record: TransportRecord): number {
  const headers = Object.entries(record.headers).reduce(
    (sum, [name, value]) => sum + name.length + value.length,
    0,
  );
  return (record.key?.length ?? 0) + (record.value?.length ?? 0) + headers;
}

/** Produces `count` records made by `make(i)` with acks=all, in sends of `batch`. */
export async function produceAll(
  producer: Producer,
  topic: string,
  count: number,
  make: (i: number) => TransportRecord,
  batch = 1_000,
): Promise<void> {
  for (let sent = 0; sent < count; sent += batch) {
    const messages = Array.from({ length: Math.min(batch, count - sent) }, (_, i) => {
      const { key, value, headers } = make(sent + i);
      return { key, value, headers: { ...headers } };
    });
    await producer.send({ topic, acks: -1, messages });
  }
}

/** Drops a schema (and everything in it) with a throw-away connection. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Deletes topics, ignoring failures (the run's figures are already taken). */
export async function deleteTopics(admin: Admin, topics: readonly string[]): Promise<void> {
  await admin.deleteTopics({ topics: [...topics] }).catch(() => undefined);
}

/** `p`-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * `MessagingModule` fed by an `OutboxModule` on the benchmark database, wired the documented way:
 * a solo node, its schema created at start.
 */
export function outboxMessagingModule(
  outbox: OutboxModuleOptions & { readonly schema: string },
  messaging: MessagingModuleOptions,
): DynamicModule {
  return MessagingModule.forRootAsync({
    imports: [
      OutboxModule.forRoot({ url: DATABASE_URL, autoCreate: true, nodes: { mode: 'solo' }, ...outbox }),
    ],
    inject: [OutboxMessagingBridge],
    useFactory: (bridge: OutboxMessagingBridge) => bridge.messagingOptions(messaging),
  });
}
