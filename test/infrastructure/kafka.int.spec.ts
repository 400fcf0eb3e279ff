// Smoke test for the real Kafka broker that `npm test` provides (scripts/test.sh starts one with
// scripts/kafka.sh when nothing answers at KAFKA_BROKERS). Never skipped: no broker is a failure.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type KafkaMessage,
  type logCreator,
  type Producer,
} from 'kafkajs';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0);

/** Resolves when something accepts TCP connections at host:port, rejects with a clear message otherwise. */
function assertReachable(broker: string, timeoutMs = 3000): Promise<void> {
  const i = broker.lastIndexOf(':');
  const host = broker.slice(0, i);
  const port = Number(broker.slice(i + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (reason: string) => {
      socket.destroy();
      reject(
        new Error(
          `Kafka broker not reachable at ${broker} (KAFKA_BROKERS=${process.env.KAFKA_BROKERS ?? '<unset>'}): ` +
            `${reason}. Run the suites with 'npm test' (it starts a broker) or start one with 'scripts/kafka.sh start'.`,
        ),
      );
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    socket.once('error', (err) => fail(err.message));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
  });
}

/**
 * kafkajs logs transient, retried errors (e.g. "The coordinator is loading" right after a fresh broker
 * starts) at ERROR. Keep them out of the test output and show them only when the test fails.
 */
const clientLog: string[] = [];
const collectLogs: logCreator = () => (entry) => {
  clientLog.push(`${entry.label} [${entry.namespace}] ${entry.log.message}`);
};
function withClientLog(message: string): Error {
  const tail = clientLog.slice(-20).join('\n  ');
  return new Error(tail ? `${message}\nkafkajs log (last 20 entries):\n  ${tail}` : message);
}

describe('Kafka broker (infrastructure smoke test)', () => {
  const runId = randomUUID();
  const topic = `momentum-smoke-${runId}`;
  const groupId = `momentum-smoke-group-${runId}`;

  let kafka: Kafka;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    expect(BROKERS.length).toBeGreaterThan(0);
    await assertReachable(BROKERS[0]!);
    kafka = new Kafka({
      clientId: `momentum-smoke-${runId}`,
      brokers: BROKERS,
      logLevel: logLevel.WARN,
      logCreator: collectLogs,
      connectionTimeout: 5000,
      retry: { retries: 5, initialRetryTime: 200 },
    });
    admin = kafka.admin();
    await admin.connect();
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
  }, 60_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    if (admin) {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 60_000);

  it('produces a keyed record with a header and consumes it from the beginning in a new group', async () => {
    producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    const value = JSON.stringify({ orderId: runId, amount: 42 });
    const [meta] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'tenant-a', value, headers: { ce_type: 'momentum.smoke-test' } }],
    });
    expect(meta?.errorCode).toBe(0);

    consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });

    const received = new Promise<KafkaMessage>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(withClientLog(`no record received from ${topic} within 30 s`)),
        30_000,
      );
      void consumer!
        .run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(message);
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(withClientLog(`consumer.run failed: ${err instanceof Error ? err.message : String(err)}`));
        });
    });
    const message = await received;

    expect(message.key?.toString()).toBe('tenant-a');
    expect(message.value?.toString()).toBe(value);
    expect(message.headers?.['ce_type']?.toString()).toBe('momentum.smoke-test');
    expect(message.offset).toBe('0');
  }, 60_000);
});
