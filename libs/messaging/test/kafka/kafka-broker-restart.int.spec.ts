import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import {
  createTopics,
  sleep,
  testTransportOptions,
  uniqueSuffix,
  waitUntil,
} from './support/kafka-test-kit.js';

// A broker of its own, so stopping it cannot disturb suites running in parallel on the shared one.
const PORT = '9094';
const BROKERS = [`127.0.0.1:${PORT}`];
const KAFKA_SH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../scripts/kafka.sh');
const PUBLISHERS = 4;

const run = promisify(execFile);

/** Runs `scripts/kafka.sh <command>` for this suite's broker. */
async function kafkaSh(command: 'start' | 'stop', keepData = false): Promise<void> {
  await run('bash', [KAFKA_SH, command], {
    env: { ...process.env, KAFKA_PORT: PORT, KAFKA_KEEP_DATA: keepData ? '1' : '0' },
    timeout: 150_000,
  });
}

describe('Kafka broker stopped and restarted while publishing', () => {
  beforeAll(() => kafkaSh('start'), 180_000);
  afterAll(() => kafkaSh('stop'), 60_000);

  it('keeps retrying through the outage; every acknowledged publish is consumed', async () => {
    const topic = `restart.${uniqueSuffix()}`;
    await createTopics([topic, `${topic}.dlq`], BROKERS);
    const options = testTransportOptions({
      brokers: BROKERS,
      connectionTimeoutMs: 1_000,
      // Enough retries to outlast a broker restart (about 40 s of backoff).
      producer: { retries: 50, retryInitialDelayMs: 100, retryMaxDelayMs: 1_000 },
    });
    const consumed = new Set<string>();
    const consumer = new KafkaTransport(options);
    consumer.subscribe({
      groupId: `restart-${uniqueSuffix()}`,
      topics: [topic],
      handle: async (record) => void consumed.add(record.headers.seq!),
    });
    const publisher = new KafkaTransport(options);
    try {
      await consumer.start();
      const acked: string[] = [];
      const failed: string[] = [];
      let next = 0;
      let publishing = true;
      const loop = async () => {
        while (publishing) {
          const seq = String(next++);
          try {
            await publisher.publish([
              { topic, key: `key-${Number(seq) % 8}`, value: null, headers: { seq } },
            ]);
            acked.push(seq);
          } catch (error) {
            failed.push(`${seq}: ${(error as Error).message}`);
          }
          await sleep(10);
        }
      };
      const loops = Array.from({ length: PUBLISHERS }, loop);

      await waitUntil(
        () => acked.length >= 40 && consumed.size >= 20,
        () => `publishing flows (${acked.length} acked)`,
      );
      await kafkaSh('stop');
      const ackedBeforeRestart = acked.length;
      await kafkaSh('start', true);
      await waitUntil(
        () => acked.length >= ackedBeforeRestart + 40,
        () =>
          `40 publishes acknowledged after the restart, got ${acked.length - ackedBeforeRestart}; failed: ${failed.join('; ')}`,
        90_000,
      );
      publishing = false;
      await Promise.all(loops);

      expect(failed).toEqual([]);
      await waitUntil(
        () => acked.every((seq) => consumed.has(seq)),
        () =>
          `every acknowledged publish consumed; missing ${acked.filter((seq) => !consumed.has(seq)).join(',')}`,
        90_000,
      );
      process.stdout.write(
        `broker restart: ${acked.length} publishes acknowledged (${ackedBeforeRestart} before the restart), all consumed\n`,
      );
    } finally {
      await Promise.all([consumer.close(), publisher.close()]);
    }
  }, 240_000);
});
