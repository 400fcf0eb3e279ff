import { Logger } from '@nestjs/common';
import { asError } from '../../errors/messaging-errors.js';
import { describePendingRecord, type PendingRecord } from '../in-memory/in-memory-broker.js';
import type { IncomingRecord, TransportSubscription } from '../message-transport.js';
import { BatchRun } from './batch-run.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { FetchPauses } from './fetch-pauses.js';
import type { KafkaBatch, KafkaConsumerClient } from './kafka-client.js';
import type { ResolvedKafkaTransportOptions } from './kafka-transport-options.js';
import type { TenantLimit } from './keyed-dispatcher.js';
import { LookAheadBuffer, type Admission } from './look-ahead-buffer.js';
import { PartitionState } from './partition-state.js';
import { rememberingRecordTenant } from './record-tenant.js';
import { TenantSlots } from './tenant-slots.js';
import type { TopicNames } from './topic-names.js';

/** What a {@link SubscriptionConsumer} is built from. */
export interface SubscriptionConsumerOptions {
  readonly transportName: string;
  readonly subscription: TransportSubscription;
  readonly client: KafkaConsumerClient;
  readonly names: TopicNames;
  readonly settings: ResolvedKafkaTransportOptions['consumer'];
  /** Told when this listener's circuit changes state. */
  readonly circuitChanged: (state: CircuitState) => void;
}

/**
 * One consumer-group member for one subscription, subscribed to exactly its topics. Batches of
 * several partitions run at once; within a batch, keys run concurrently and each key in order, and
 * with `maxConcurrentPerTenant` no tenant holds more slots of this consumer than that. The group's
 * offset of a partition only ever moves to the lowest record not yet finished. A rejected record is
 * delivered again after a backoff while the partition is paused, so other partitions keep flowing.
 *
 * With look-ahead (`maxBufferedRecords`), a partition's records are handled in rounds: the records
 * a round did not finish are held, the round ends after `lookAheadIntervalMs` (running records
 * finish first), and the partition is fetched again past them, so records behind a long backlog of
 * one key join the next round. No record runs between rounds, which is what keeps rebalances safe:
 * kafkajs rejoins its group only between batches.
 *
 * On a rebalance the member stops starting records, lets the running ones finish and commits
 * before it rejoins, so no record is handled by two members at once.
 */
export class SubscriptionConsumer {
  private readonly logger = new Logger('KafkaConsumer');
  private readonly kafkaTopics: string[];
  private readonly pauses: FetchPauses;
  private readonly breaker: CircuitBreaker | undefined;
  private readonly tenantLimit: TenantLimit<IncomingRecord> | undefined;
  private partitions = new Map<string, PartitionState>();
  /** Running batches and the promise of each `eachBatch` call. */
  private readonly batches = new Map<BatchRun, Promise<void>>();
  /** Records being handled that the subscription dead-lettered: failures, for the circuit breaker. */
  private readonly deadLettered = new Set<string>();
  private commits: Promise<void> = Promise.resolve();
  private rebalancing = false;
  private closing = false;
  private expireClose!: () => void;
  /** Settles when `close()` stops waiting for running records. */
  private readonly closeExpired = new Promise<void>((resolve) => (this.expireClose = resolve));

  constructor(private readonly options: SubscriptionConsumerOptions) {
    this.kafkaTopics = options.subscription.topics.map((topic) => options.names.toKafka(topic));
    this.pauses = new FetchPauses(options.client);
    const breakerSettings = options.settings.circuitBreaker;
    if (breakerSettings) {
      this.breaker = new CircuitBreaker(breakerSettings);
      this.breaker.onStateChange((state) => this.circuitChanged(state));
    }
    const perTenant = options.settings.maxConcurrentPerTenant;
    if (perTenant !== Number.POSITIVE_INFINITY)
      this.tenantLimit = { slots: new TenantSlots(perTenant), tenantOf: rememberingRecordTenant() };
  }

  /** The consumer group. */
  get groupId(): string {
    return this.options.subscription.groupId;
  }

  /** The subscription's message topics. */
  get topics(): readonly string[] {
    return this.options.subscription.topics;
  }

  /** The listener's circuit; `closed` when the breaker is off. */
  get circuitState(): CircuitState {
    return this.breaker?.state ?? 'closed';
  }

  /** Joins the group and starts consuming; resolves after the first join. */
  async start(): Promise<void> {
    const { client, settings } = this.options;
    client.onGroupJoin((assignment) => this.joined(assignment));
    client.onCrash((error, restarting) => {
      const what = `Consumer of group ${this.groupId} failed: ${error.message}`;
      if (restarting) this.logger.warn(`${what}; it restarts and rejoins`);
      else this.logger.error(`${what}; it stopped for good and consumes nothing more`);
    });
    await client.connect();
    await client.subscribe(this.kafkaTopics, { fromBeginning: settings.fromBeginning });
    await client.run({
      partitionsConcurrently: settings.partitionsConcurrently,
      eachBatch: (batch) => this.eachBatch(batch),
    });
  }

  /** Marks a record being handled as dead-lettered, so it counts as a failure. */
  noteDeadLettered(record: IncomingRecord): void {
    if (this.partitionOf(record)?.isHandling(record.offset)) this.deadLettered.add(recordKey(record));
  }

  /** Records fetched and not finished yet, one line each. */
  inFlight(): string[] {
    const lines: string[] = [];
    for (const state of this.partitions.values()) {
      const topic = this.options.names.toMessageTopic(state.topic);
      for (const offset of state.tracker.unfinishedOffsets()) {
        lines.push(describePendingRecord(this.options.transportName, this.pending(state, topic, offset)));
      }
    }
    return lines;
  }

  /**
   * Stops fetching and starting records, lets running ones finish within `closeTimeoutMs`, commits
   * what finished, leaves the group and disconnects.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.breaker?.dispose();
    this.pauses.pauseTopics(this.kafkaTopics);
    this.batches.forEach((_, run) => run.stop());
    const timer = setTimeout(this.expireClose, this.options.settings.closeTimeoutMs);
    try {
      await Promise.race([Promise.all(this.batches.values()), this.closeExpired]);
      await this.options.client.disconnect();
    } finally {
      clearTimeout(timer);
      this.expireClose();
      this.pauses.clear();
      // Unfinished records now belong to the group, not to this member.
      this.partitions = new Map();
    }
  }

  private async eachBatch(batch: KafkaBatch): Promise<void> {
    // Not resolving anything leaves the fetch position alone: these records come back later.
    if (this.closing || this.rebalancing || this.breaker?.state === 'open') return;
    const state = this.partitionState(batch.topic, batch.partition);
    const admission = this.admit(batch, state);
    this.options.subscription.prepare?.(admission.records);
    const run = this.batchRun(state, admission.records);
    const done = this.process(batch, state, run, admission.overflow);
    this.batches.set(run, done);
    try {
      await done;
    } finally {
      this.batches.delete(run);
    }
  }

  /** The records of this round: the batch's unfinished ones, after those held with look-ahead. */
  private admit(batch: KafkaBatch, state: PartitionState): Admission {
    const topic = this.options.names.toMessageTopic(batch.topic);
    const fetched =
      topic === batch.topic ? batch.records : batch.records.map((record) => ({ ...record, topic }));
    const track = (offset: string): boolean => state.tracker.track(offset);
    if (state.lookAhead) return state.lookAhead.admit(fetched, track);
    return { records: fetched.filter((record) => track(record.offset)), overflow: undefined };
  }

  private async process(
    batch: KafkaBatch,
    state: PartitionState,
    run: BatchRun,
    overflow: string | undefined,
  ): Promise<void> {
    const { settings } = this.options;
    const keepAlive = setInterval(() => void this.heartbeat(batch, state), settings.heartbeatIntervalMs);
    let cut = false;
    // Nothing could be taken in while the buffer is full: the round goes on until records finished,
    // which keeps the partition from being fetched.
    const { lookAhead } = state;
    const roundEnd =
      lookAhead &&
      setInterval(() => {
        if (state.tracker.unfinishedCount >= lookAhead.capacity) return;
        cut = true;
        run.stop();
      }, settings.lookAheadIntervalMs);
    let unfinished: IncomingRecord[];
    try {
      unfinished = (await Promise.race([run.run(), this.closeExpired])) ?? [];
    } finally {
      clearInterval(keepAlive);
      clearInterval(roundEnd);
    }
    this.options.subscription.forget?.(unfinished);
    batch.fetchFrom(
      lookAhead
        ? this.lookAheadFetchPoint(batch, state, lookAhead, unfinished, overflow)
        : this.refetchPoint(batch, state),
    );
    await this.commit(state);
    // A round cut short still has records to start now; one that ran out waits for its redeliveries.
    const delay = state.nextRedeliveryIn();
    if (delay > 0 && !cut && !this.closing) this.pauses.delayPartition(batch.topic, batch.partition, delay);
  }

  /** Without look-ahead: from the lowest unfinished record, whose batch is fetched again. */
  private refetchPoint(batch: KafkaBatch, state: PartitionState): string {
    const lowest = state.tracker.lowestUnfinished();
    if (lowest === undefined) state.tracker.coverThrough(batch.lastOffset);
    return lowest ?? String(BigInt(batch.lastOffset) + 1n);
  }

  /** With look-ahead: past what is held, so the next round also gets what arrived behind it. */
  private lookAheadFetchPoint(
    batch: KafkaBatch,
    state: PartitionState,
    buffer: LookAheadBuffer,
    unfinished: readonly IncomingRecord[],
    overflow: string | undefined,
  ): string {
    buffer.hold(unfinished);
    const point = overflow ?? buffer.refetchPoint();
    if (point !== undefined) return point;
    if (state.tracker.lowestUnfinished() === undefined) state.tracker.coverThrough(batch.lastOffset);
    return String(BigInt(batch.lastOffset) + 1n);
  }

  private batchRun(state: PartitionState, records: readonly IncomingRecord[]): BatchRun {
    const { settings, subscription } = this.options;
    return new BatchRun(state, records, {
      maxConcurrentKeys: settings.maxConcurrentKeys,
      tenantLimit: this.tenantLimit,
      retry: { initialDelayMs: settings.retryInitialDelayMs, maxDelayMs: settings.retryMaxDelayMs },
      // A synchronous throw counts as a rejection like any other failure.
      deliver: (record) => {
        try {
          return subscription.handle(record);
        } catch (error) {
          return Promise.reject(asError(error));
        }
      },
      settled: (record, rejected) => this.settled(record, rejected),
      logger: this.logger,
    });
  }

  /** Keeps the membership alive during long batches, notices rebalances and commits progress. */
  private async heartbeat(batch: KafkaBatch, state: PartitionState): Promise<void> {
    try {
      if ((await batch.heartbeat()) === 'rebalancing') this.stopForRebalance();
      else await this.commit(state);
    } catch (error) {
      this.logger.debug(`Heartbeat of group ${this.groupId} failed: ${asError(error).message}`);
    }
  }

  /** Commits one after another, so an older commit never lands after a newer one. */
  private commit(state: PartitionState): Promise<void> {
    this.commits = this.commits.then(() => this.commitNow(state));
    return this.commits;
  }

  private async commitNow(state: PartitionState): Promise<void> {
    const offset = state.tracker.commitPoint();
    if (offset === undefined) return;
    try {
      await this.options.client.commit([{ topic: state.topic, partition: state.partition, offset }]);
      state.tracker.committedAt(offset);
    } catch (error) {
      this.logger.warn(
        `Committing ${state.topic}[${state.partition}]@${offset} for group ${this.groupId} failed ` +
          `(${asError(error).message}); records from the last commit on will be delivered again`,
      );
    }
  }

  private stopForRebalance(): void {
    if (this.rebalancing) return;
    this.rebalancing = true;
    this.logger.debug(`Group ${this.groupId} is rebalancing: finishing running records before rejoining`);
    this.batches.forEach((_, run) => run.stop());
  }

  /** A new generation: assignments and committed offsets may have changed, so start afresh. */
  private joined(assignment: Readonly<Record<string, readonly number[]>>): void {
    this.rebalancing = false;
    this.partitions = new Map();
    this.deadLettered.clear();
    this.pauses.reapply();
    const partitions = Object.entries(assignment).map(([topic, list]) => `${topic}[${list.join(',')}]`);
    this.logger.debug(`Joined group ${this.groupId}: ${partitions.join(' ') || 'no partitions'}`);
  }

  private settled(record: IncomingRecord, rejected: boolean): void {
    // Dead letters are rare: no key is built for a record while there are none.
    const deadLettered = this.deadLettered.size > 0 && this.deadLettered.delete(recordKey(record));
    this.breaker?.record(rejected || deadLettered);
  }

  private circuitChanged(state: CircuitState): void {
    const listener = `listener of group ${this.groupId} on ${this.topics.join(', ')}`;
    if (state === 'open') {
      const cooldown = (this.options.settings.circuitBreaker || { cooldownMs: 0 }).cooldownMs;
      this.logger.warn(
        `Circuit of the ${listener} opened: too many failures; pausing consumption for ${cooldown} ms`,
      );
      this.pauses.pauseTopics(this.kafkaTopics);
      this.batches.forEach((_, run) => run.stop());
    } else if (state === 'half-open') {
      this.logger.log(`Circuit of the ${listener} is half-open: consuming again on trial`);
      if (!this.closing) this.pauses.resumeTopics(this.kafkaTopics);
    } else {
      this.logger.log(`Circuit of the ${listener} closed`);
    }
    this.options.circuitChanged(state);
  }

  private partitionState(topic: string, partition: number): PartitionState {
    const key = `${topic}\u0000${partition}`;
    let state = this.partitions.get(key);
    if (!state) {
      const { maxBufferedRecords } = this.options.settings;
      const lookAhead = maxBufferedRecords > 0 ? new LookAheadBuffer(maxBufferedRecords) : undefined;
      state = new PartitionState(topic, partition, lookAhead);
      this.partitions.set(key, state);
    }
    return state;
  }

  private partitionOf(record: IncomingRecord): PartitionState | undefined {
    return this.partitions.get(`${this.options.names.toKafka(record.topic)}\u0000${record.partition}`);
  }

  private pending(state: PartitionState, topic: string, offset: string): PendingRecord {
    const failures = state.failuresOf(offset);
    const base = { topic, partition: state.partition, offset, groupId: this.groupId };
    if (state.isHandling(offset)) return { ...base, state: 'handling', attempts: failures + 1 };
    if (failures > 0) return { ...base, state: 'retrying', attempts: failures };
    return { ...base, state: 'waiting', attempts: 0 };
  }
}

function recordKey(record: IncomingRecord): string {
  return `${record.topic}\u0000${record.partition}\u0000${record.offset}`;
}
