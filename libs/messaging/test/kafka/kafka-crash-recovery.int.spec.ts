import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import { compileForNode } from './support/compile-for-node.js';
import {
  KAFKA_BROKERS,
  createTopics,
  deleteTopics,
  testTransportOptions,
  uniqueSuffix,
  waitUntil,
} from './support/kafka-test-kit.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const NODE = resolve(HERE, '../../../../node_modules/.bin/node');
const RECORDS = 240;

/** What the child consumer reported before it died. */
class ChildReport {
  readonly started = new Set<string>();
  readonly done = new Set<string>();
  readonly log: string[] = [];
  ready = false;

  attach(child: ChildProcess): void {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('@@')) return void this.log.push(line);
      const [event, seq] = line.slice(2).split(' ');
      if (event === 'ready') this.ready = true;
      else if (event === 'start') this.started.add(seq!);
      else if (event === 'done') this.done.add(seq!);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => this.log.push(line));
  }

  tail(): string {
    return this.log.slice(-15).join('\n');
  }
}

describe('a consumer process killed mid-batch', () => {
  const transports: KafkaTransport[] = [];
  const topics: string[] = [];
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(transports.splice(0).map((transport) => transport.close()));
    await deleteTopics(topics.splice(0));
  }, 60_000);

  it('loses nothing: after SIGKILL the group redelivers everything the dead member had not finished', async () => {
    const topic = `crash.${uniqueSuffix()}`;
    const groupId = `crash-${uniqueSuffix()}`;
    topics.push(topic, `${topic}.dlq`);
    await createTopics(topics);
    const producer = new KafkaTransport(testTransportOptions());
    transports.push(producer);
    await producer.publish(
      Array.from({ length: RECORDS }, (_, seq) => ({
        topic,
        key: `key-${seq % 16}`,
        value: null,
        headers: { seq: String(seq) },
      })),
    );

    const script = compileForNode(join(HERE, 'support', 'crash-consumer.ts'));
    const report = new ChildReport();
    child = spawn(NODE, [script, topic, groupId, '150'], {
      env: { ...process.env, KAFKA_BROKERS: KAFKA_BROKERS.join(',') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    report.attach(child);
    await waitUntil(
      () => report.done.size >= 100 && report.started.size > report.done.size,
      () =>
        `the child handles 100 records with more in flight, got ${report.done.size}/${report.started.size}:\n${report.tail()}`,
      60_000,
    );
    child.kill('SIGKILL');
    await once(child, 'exit');
    const inFlightAtKill = [...report.started].filter((seq) => !report.done.has(seq));
    expect(inFlightAtKill.length).toBeGreaterThan(0);

    const recovered = new Set<string>();
    const successor = new KafkaTransport(testTransportOptions());
    transports.push(successor);
    successor.subscribe({
      groupId,
      topics: [topic],
      handle: async (record) => void recovered.add(record.headers.seq!),
    });
    await successor.start();

    const handled = () => new Set([...report.done, ...recovered]).size;
    await waitUntil(
      () => handled() === RECORDS,
      () => `all ${RECORDS} records handled by the dead member or its successor, got ${handled()}`,
      60_000,
    );
    expect(inFlightAtKill.filter((seq) => !recovered.has(seq))).toEqual([]);
    process.stdout.write(
      `crash: child finished ${report.done.size}, ${inFlightAtKill.length} in flight at SIGKILL; ` +
        `successor handled ${recovered.size} (${[...recovered].filter((s) => report.done.has(s)).length} of them again)\n`,
    );
  }, 120_000);
});
