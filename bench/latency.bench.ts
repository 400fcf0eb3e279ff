import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventTopic, MessageBus, PartitionKey, type TransportRecord } from '@momentum/messaging';
import { Outbox, type OutboxModuleOptions } from '@momentum/outbox';
import {
  createTopic,
  deleteTopics,
  dropSchema,
  outboxMessagingModule,
  quantile,
  rawKafka,
  uniqueSuffix,
} from './support/infra.js';
import { summarize, type Summary } from './support/measure.js';
import { ObservedKafkaTransport } from './support/observed-kafka-transport.js';
import { ratio, resultsDir, type Benchmark, type BenchResult } from './support/report.js';
import { cdfSvg } from './support/svg.js';

const LOADS = [200, 1_000] as const;
const ROUND_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_LATENCY_ROUNDS ?? 3);
const WARMUP_SECONDS = 2;
const PARTITIONS = 4;
const KEYS = 100;
const TARGET_P99_MS = 50;
/** The receiving service uses the durable inbox unless BENCH_LATENCY_INBOX=0. */
const RECEIVER_INBOX = process.env.BENCH_LATENCY_INBOX !== '0';

/** p50/p95/p99/max of `values`. */
function percentiles(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1]!,
  };
}

/** Wall-clock milliseconds with sub-millisecond resolution (comparable across processes after clock sync). */
const ORIGIN = performance.timeOrigin;
const now = () => ORIGIN + performance.now();

type Wake = 'notification' | 'notify' | 'polling';
const WAKES: readonly { wake: Wake; label: string; short: string }[] = [
  {
    wake: 'notification',
    label: 'wake-up by notification (default: relay in the publishing app)',
    short: 'notification (default)',
  },
  { wake: 'notify', label: 'NOTIFY to a relay in another app', short: 'NOTIFY, relay in another app' },
  {
    wake: 'polling',
    label: 'polling only (relay in another app, notify off, 1 s poll)',
    short: 'polling only (1 s)',
  },
];

/** The publishing side of one wake-up mode: the app that commits, and the relay app if separate. */
interface Publisher {
  readonly outbox: Outbox;
  readonly bus: MessageBus;
  readonly apps: INestApplicationContext[];
}

function probeClass(topic: string) {
  @EventTopic(topic)
  class LatencyProbe {
    @PartitionKey()
    readonly key: string;
    readonly probe: string;
    readonly padding = 'x'.repeat(200);
    constructor(key: string, probe: string) {
      this.key = key;
      this.probe = probe;
    }
  }
  return LatencyProbe;
}

/** When the broker acknowledged each probe the relay sent (our clock), by probe id. */
const acked = new Map<string, number>();

/** Notes when the broker acknowledged each probe the relay sent (to split the latency). */
function noteAcknowledged(records: readonly TransportRecord[]): void {
  const at = now();
  for (const record of records) {
    const probe = (JSON.parse(record.value!.toString()) as { probe?: string }).probe;
    if (probe !== undefined) acked.set(probe, at);
  }
}

async function outboxApp(
  schema: string,
  options: Pick<OutboxModuleOptions, 'relay' | 'notify'>,
): Promise<INestApplicationContext> {
  const transport = new ObservedKafkaTransport('bench-latency-sender', { sent: noteAcknowledged });
  @Module({
    imports: [
      outboxMessagingModule(
        { schema, ...options },
        { serviceName: 'bench-latency-sender', transports: [transport] },
      ),
    ],
  })
  class SenderModule {}
  return NestFactory.createApplicationContext(SenderModule, { logger: ['error'] });
}

async function startPublisher(wake: Wake, schema: string): Promise<Publisher> {
  if (wake === 'notification') {
    const app = await outboxApp(schema, { relay: { enabled: true } });
    return { outbox: app.get(Outbox), bus: app.get(MessageBus), apps: [app] };
  }
  // The committing app runs no relay; the relay runs in a second app on the same schema (the relay
  // of the committing app would be woken in process, and no option turns that off).
  const app = await outboxApp(schema, { relay: { enabled: false }, notify: wake === 'notify' });
  const relay = await outboxApp(schema, { relay: { enabled: true } });
  return { outbox: app.get(Outbox), bus: app.get(MessageBus), apps: [app, relay] };
}

/** The receiving service in a child process, with its clock offset to ours. */
class Receiver {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private offsetMs = 0;
  private readonly waiting = new Map<string, (at: number) => void>();
  private readonly pongs = new Map<number, (at: number) => void>();

  constructor(env: Record<string, string>) {
    const script = join(fileURLToPath(new URL('.', import.meta.url)), 'latency-service.js');
    this.child = fork(script, [], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`latency receiver exited with ${code}`)));
      this.child.on(
        'message',
        (message: { kind: string; items?: [string, number][]; id?: number; at?: number }) => {
          if (message.kind === 'ready') resolve();
          if (message.kind === 'pong') this.pongs.get(message.id!)?.(message.at!);
          if (message.kind === 'handled')
            for (const [probe, at] of message.items!) this.waiting.get(probe)?.(at - this.offsetMs);
        },
      );
    });
  }

  /** Waits for the child to start, then estimates its clock offset from the ping with the shortest round trip. */
  async start(): Promise<void> {
    await this.ready;
    let best = { rtt: Infinity, offset: 0 };
    for (let id = 0; id < 50; id++) {
      const sent = now();
      const at = await new Promise<number>((resolve) => {
        this.pongs.set(id, resolve);
        this.child.send({ kind: 'ping', id });
      });
      const received = now();
      if (received - sent < best.rtt) best = { rtt: received - sent, offset: at - (sent + received) / 2 };
    }
    this.offsetMs = best.offset;
  }

  get clockOffsetMs(): number {
    return this.offsetMs;
  }

  /** Resolves with the (our clock) time the handler started on `probe`. */
  handled(probe: string): Promise<number> {
    return new Promise((resolve) => this.waiting.set(probe, resolve));
  }

  forget(probe: string): void {
    this.waiting.delete(probe);
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ kind: 'stop' });
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    if (this.child.exitCode === null) this.child.kill();
  }
}

/**
 * Open loop: starts one transaction publishing a probe every 1/rate s for `seconds`, on schedule
 * whether or not earlier ones finished; the latency of a probe is from the moment its transaction's
 * commit returned to the moment the receiving handler started.
 */
async function openLoop(
  publisher: Publisher,
  receiver: Receiver,
  Probe: ReturnType<typeof probeClass>,
  tag: string,
  rate: number,
  seconds: number,
): Promise<{
  latencies: number[];
  toAck: number[];
  lateStarts: number;
  failed: number;
  lost: number;
  poolWaitingMax: number;
  poolWaitingMean: number;
}> {
  const total = Math.round(rate * seconds);
  const intervalMs = 1_000 / rate;
  const latencies: number[] = [];
  const toAck: number[] = [];
  const probes: Promise<void>[] = [];
  let lateStarts = 0;
  let failed = 0;
  let done = 0;
  // How many requests wait for a connection of the committing app's pool (sampled every 50 ms).
  const pool = (publisher.outbox.dataSource.driver as unknown as { master?: { waitingCount?: number } })
    .master;
  const waiting: number[] = [];
  const sampler = setInterval(() => waiting.push(pool?.waitingCount ?? 0), 50);
  const startAt = now() + 5;
  for (let i = 0; i < total;) {
    // Always yield to the event loop between sends (never spin), waking when the next one is due.
    const wait = startAt + i * intervalMs - now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
    while (i < total && startAt + i * intervalMs <= now()) {
      if (now() - (startAt + i * intervalMs) > 5) lateStarts++;
      const probe = `${tag}:${i}`;
      const handled = receiver.handled(probe);
      const key = `order-${i % KEYS}`;
      probes.push(
        publisher.outbox
          .transaction(() => publisher.bus.publish(new Probe(key, probe)))
          .then(
            async () => {
              const committed = now();
              latencies.push((await handled) - committed);
              toAck.push(acked.get(probe)! - committed);
              acked.delete(probe);
              done++;
            },
            () => {
              // The transaction itself failed (e.g. no pool connection within connectTimeoutMs): an overload.
              failed++;
              done++;
            },
          ),
      );
      i++;
    }
  }
  clearInterval(sampler);
  await Promise.race([Promise.all(probes), new Promise((resolve) => setTimeout(resolve, 60_000).unref())]);
  for (let i = 0; i < total; i++) receiver.forget(`${tag}:${i}`);
  // Probes committed but not handled within 60 s of the last send count as lost for this round.
  return {
    latencies,
    toAck,
    lateStarts,
    failed,
    lost: total - done,
    poolWaitingMax: Math.max(0, ...waiting),
    poolWaitingMean: waiting.reduce((a, b) => a + b, 0) / Math.max(1, waiting.length),
  };
}

/**
 * End-to-end latency between two services over Kafka: a transaction in one (outbox, relay,
 * KafkaTransport) to the handler of another (its own consumer group, durable inbox), at fixed
 * offered loads, with the relay woken by notification or by polling only.
 */
export const latencyBenchmark: Benchmark = {
  name: 'latency',
  description: `commit → handler in another service over Kafka, open loop at ${LOADS.join(' and ')}/s, wake-ups by notification vs polling (p50/p95/p99)`,
  async run(): Promise<BenchResult> {
    const suffix = uniqueSuffix();
    const topic = `bench.latency.${suffix}`;
    const receiverSchema = `bench_latency_rx_${suffix}`;
    const schemas = Object.fromEntries(WAKES.map(({ wake }) => [wake, `bench_latency_${wake}_${suffix}`]));
    const admin = rawKafka('bench-latency-setup').admin();
    await admin.connect();
    await createTopic(admin, topic, PARTITIONS);
    const Probe = probeClass(topic);
    const receiver = new Receiver({
      LATENCY_TOPIC: topic,
      LATENCY_GROUP: `bench-latency-${suffix}`,
      LATENCY_SCHEMA: receiverSchema,
      LATENCY_INBOX: RECEIVER_INBOX ? '1' : '0',
    });
    try {
      await receiver.start();
      // Let the receiver's group join and warm every path up once: the first probes wait for the join.
      for (const { wake } of WAKES) {
        const publisher = await startPublisher(wake, schemas[wake]!);
        try {
          await openLoop(publisher, receiver, Probe, `warmup-${wake}`, 200, WARMUP_SECONDS);
        } finally {
          for (const app of publisher.apps) await app.close();
        }
      }

      // BENCH_LATENCY_ONLY=1000:notification,200:polling runs only those (for profiling).
      const only = process.env.BENCH_LATENCY_ONLY?.split(',');
      const variants = LOADS.flatMap((rate) =>
        WAKES.map(({ wake, label, short }) => ({
          rate,
          wake,
          name: `${rate}/s, ${label}`,
          short: `${rate}/s, ${short}`,
        })),
      ).filter((v) => !only || only.includes(`${v.rate}:${v.wake}`));
      const pooled = new Map(variants.map((v) => [v.name, [] as number[]]));
      const perRound = new Map(
        variants.map((v) => [v.name, { p50: [] as number[], p95: [] as number[], p99: [] as number[] }]),
      );
      const late = new Map(variants.map((v) => [v.name, 0]));
      const failures = new Map(
        variants.map((v) => [
          v.name,
          { failed: 0, lost: 0, offered: 0, poolWaitingMax: 0, poolWaitingMeans: [] as number[] },
        ]),
      );
      const pooledToAck = new Map(variants.map((v) => [v.name, [] as number[]]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const variant of variants) {
          // Only the apps of the variant being measured run (fresh each round, warmed up for a second).
          const publisher = await startPublisher(variant.wake, schemas[variant.wake]!);
          let measured: Awaited<ReturnType<typeof openLoop>>;
          try {
            const tag = `r${round}-${variant.rate}-${variant.wake}`;
            await openLoop(publisher, receiver, Probe, `${tag}-warm`, variant.rate, 1);
            measured = await openLoop(publisher, receiver, Probe, tag, variant.rate, ROUND_SECONDS);
          } finally {
            for (const app of publisher.apps) await app.close();
          }
          const { latencies, toAck, lateStarts, failed, lost, poolWaitingMax, poolWaitingMean } = measured;
          const problems =
            failed + lost > 0 ? `; ${failed} transactions failed, ${lost} not handled within 60 s` : '';
          // A failed or lost probe counts as infinitely late: percentiles never leave it out.
          const sorted = [...latencies, ...Array<number>(failed + lost).fill(Infinity)].sort((a, b) => a - b);
          const stats = perRound.get(variant.name)!;
          stats.p50.push(quantile(sorted, 0.5));
          stats.p95.push(quantile(sorted, 0.95));
          stats.p99.push(quantile(sorted, 0.99));
          pooled.get(variant.name)!.push(...sorted);
          pooledToAck.get(variant.name)!.push(...toAck);
          late.set(variant.name, late.get(variant.name)! + lateStarts);
          const failure = failures.get(variant.name)!;
          failure.failed += failed;
          failure.lost += lost;
          failure.offered += Math.round(variant.rate * ROUND_SECONDS);
          failure.poolWaitingMax = Math.max(failure.poolWaitingMax, poolWaitingMax);
          failure.poolWaitingMeans.push(poolWaitingMean);
          const ack = percentiles(toAck);
          console.log(
            `  round ${round + 1}: ${variant.name}: p50 ${quantile(sorted, 0.5).toFixed(1)} p95 ${quantile(sorted, 0.95).toFixed(1)} p99 ${quantile(sorted, 0.99).toFixed(1)} ms; commit → Kafka ack p50 ${ack.p50.toFixed(1)} p99 ${ack.p99.toFixed(1)} ms (${lateStarts} late starts${problems}; pool waiters mean ${poolWaitingMean.toFixed(1)} max ${poolWaitingMax})`,
          );
        }
      }

      const summaries: Record<string, Summary> = {};
      const distribution: Record<string, object> = {};
      for (const variant of variants) {
        const sorted = pooled.get(variant.name)!.sort((a, b) => a - b);
        const stats = perRound.get(variant.name)!;
        summaries[`${variant.name}: p50 ms`] = summarize(stats.p50);
        summaries[`${variant.name}: p95 ms`] = summarize(stats.p95);
        summaries[`${variant.name}: p99 ms`] = summarize(stats.p99);
        distribution[variant.name] = {
          samples: sorted.length,
          p50: quantile(sorted, 0.5),
          p95: quantile(sorted, 0.95),
          p99: quantile(sorted, 0.99),
          max: sorted[sorted.length - 1],
          min: sorted[0],
          sendsStartedMoreThan5msLate: late.get(variant.name),
          ...failures.get(variant.name),
          commitToKafkaAck: percentiles(pooledToAck.get(variant.name)!),
          // The distribution, as the 0th, 0.1th, …, 100th percentiles (null = lost or failed).
          cdfMsPerMille: Array.from({ length: 1_001 }, (_, k) =>
            Number((k === 0 ? sorted[0]! : quantile(sorted, k / 1_000)).toFixed(2)),
          ),
        };
      }
      const svg = cdfSvg(
        `commit → handler in another service over Kafka (${ROUNDS} × ${ROUND_SECONDS} s per variant, open loop)`,
        variants.map((v) => ({ name: v.short, values: pooled.get(v.name)! })),
        TARGET_P99_MS,
      );
      writeFileSync(join(resultsDir(), 'latency.svg'), svg);

      const pooledP99 = (rate: number, wake: Wake) =>
        quantile(pooled.get(variants.find((v) => v.rate === rate && v.wake === wake)!.name)!, 0.99);
      return {
        name: 'latency',
        unit: 'ms (per-round percentile)',
        variants: summaries,
        ratios: [
          ratio(
            'p99 ms at 200/s, notification wake-ups (all rounds pooled)',
            pooledP99(200, 'notification'),
            `≤ ${TARGET_P99_MS}`,
          ),
        ],
        notes: [
          `two services: the sender (in the benchmark process) commits a transaction that publishes one ~350-byte integration event through the outbox (relay → KafkaTransport, acks=all); the receiver is a separate Node process (own consumer group, ${RECEIVER_INBOX ? 'durable inbox on its own schema' : 'no inbox'}) whose @EventHandler records when it starts`,
          "latency = handler start (receiver clock, corrected by the offset measured over IPC ping-pong) − the moment the sender's transaction() resolved after COMMIT",
          `open loop: transactions start on a fixed schedule whatever earlier ones are doing; ${ROUNDS} interleaved rounds of ${ROUND_SECONDS} s per variant after a ${WARMUP_SECONDS} s warm-up per wake-up mode; only the apps of the variant being measured run, started fresh each round with the default pool (10) and warmed up for 1 s at the round's rate; ${PARTITIONS}-partition topic, ${KEYS} keys`,
          'polling only: the outbox has no option to turn off the in-process wake-up of a relay in the committing process, so that mode (and the NOTIFY mode) runs the relay in a second app on the same schema with notify off (resp. on); relay pollIntervalMs is the default 1,000 ms, lingerMs the default 5 ms',
          `receiver clock offset: ${receiver.clockOffsetMs.toFixed(3)} ms`,
          `latency.svg beside this file: the CDF of every variant`,
        ],
        details: distribution,
      };
    } finally {
      await receiver.stop();
      await deleteTopics(admin, [topic]);
      await admin.disconnect();
      for (const schema of [receiverSchema, ...Object.values(schemas)]) await dropSchema(schema!);
    }
  },
};
