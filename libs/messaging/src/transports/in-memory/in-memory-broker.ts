import type {
  DeadLetterReason,
  IncomingRecord,
  TransportRecord,
  TransportSubscription,
} from '../message-transport.js';
import { deadLetterHeaders } from '../dead-letter-headers.js';

const DEFAULT_PARTITIONS = 4;
const DEFAULT_DEAD_LETTER_SUFFIX = '.dlq';
const DEFAULT_RETRY_INITIAL_DELAY_MS = 50;
const DEFAULT_RETRY_MAX_DELAY_MS = 1_000;
const DEFAULT_DRAIN_MS = 5_000;

/** Options of {@link InMemoryBroker}. */
export interface InMemoryBrokerOptions {
  /** Partition count of a topic created on first use; 4 by default. */
  readonly partitions?: number;
  /** Partition counts of particular topics; they win over every other setting. */
  readonly topicPartitions?: Readonly<Record<string, number>>;
  /** Whether a group seen for the first time starts at the earliest offset (default) or at the end. */
  readonly fromBeginning?: boolean;
  /** Appended to a topic's name to name its dead-letter topic; `.dlq` by default. */
  readonly deadLetterSuffix?: string;
  /** Delay before redelivering a rejected record, doubled per further rejection; 50 ms by default. */
  readonly retryInitialDelayMs?: number;
  /** Upper bound of the redelivery delay; 1 s by default. */
  readonly retryMaxDelayMs?: number;
}

/** Topic-creation setting of {@link InMemoryBroker.append}, {@link InMemoryBroker.join} and friends. */
export interface TopicDefaults {
  /** Partition count of topics this call creates, unless the broker configures that topic itself. */
  readonly partitions?: number;
}

/** A partition of a topic. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A record a consumer group has not committed yet, as {@link InMemoryBroker.pending} reports it. */
export interface PendingRecord extends TopicPartition {
  readonly offset: string;
  readonly groupId: string;
  /**
   * `handling`: a `handle` call is running; `retrying`: rejected, waiting for redelivery;
   * `waiting`: queued behind earlier records of its partition.
   */
  readonly state: 'handling' | 'retrying' | 'waiting';
  /** Deliveries started so far, the running one included. */
  readonly attempts: number;
}

/** A subscription's place in its consumer group, returned by {@link InMemoryBroker.join}. */
export interface InMemoryMembership {
  readonly groupId: string;
  /** The partitions this member currently owns. */
  assignment(): TopicPartition[];
  /**
   * Leaves the group. Its partitions move to the remaining members at once; a record it is handling
   * goes to them once `handle` settles, or after `drainMs` (5 s by default) if it does not, in which
   * case the record is redelivered and the late outcome ignored.
   */
  leave(options?: { readonly drainMs?: number }): Promise<void>;
}

/**
 * Kafka's murmur2 hash of `data` (the Java client's `Utils.murmur2`, which kafkajs's default
 * partitioner ports), as a signed 32-bit integer.
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  const whole = length & ~3;
  let h = 0x9747b28c ^ length;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    h = Math.imul(h, m) ^ Math.imul(k, m);
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[whole + 2] << 16;
    if (rest >= 2) h ^= data[whole + 1] << 8;
    h = Math.imul(h ^ data[whole], m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  return h ^ (h >>> 15);
}

/**
 * The partition Kafka's default partitioner picks for a keyed record, so a key lands on the same
 * partition number here as on a Kafka topic with the same partition count.
 */
export function keyPartition(key: string, partitionCount: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitionCount;
}

/** One line of an activity report, e.g. `in-memory: orders.created[2]@5 awaiting group billing`. */
export function describePendingRecord(label: string, pending: PendingRecord): string {
  const where = `${label}: ${pending.topic}[${pending.partition}]@${pending.offset}`;
  switch (pending.state) {
    case 'handling': {
      const attempt = pending.attempts > 1 ? ` (attempt ${pending.attempts})` : '';
      return `${where} being handled by group ${pending.groupId}${attempt}`;
    }
    case 'retrying': {
      const failures = pending.attempts === 1 ? '1 failed attempt' : `${pending.attempts} failed attempts`;
      return `${where} awaiting redelivery to group ${pending.groupId} after ${failures}`;
    }
    case 'waiting':
      return `${where} awaiting group ${pending.groupId}`;
  }
}

/**
 * A process-wide, Kafka-shaped broker in memory: partitioned append-only topics, consumer groups
 * that share partitions, committed offsets and at-least-once redelivery. It is the embedded default
 * transport's backend and the fast mode of tests; {@link InMemoryBroker.shared} is the one an app
 * uses, `new InMemoryBroker()` gives a test its own.
 */
export class InMemoryBroker {
  private static sharedBroker: InMemoryBroker | undefined;

  /** The default broker, created on first use (again after it was closed). */
  static get shared(): InMemoryBroker {
    if (!InMemoryBroker.sharedBroker || InMemoryBroker.sharedBroker.closed) {
      InMemoryBroker.sharedBroker = new InMemoryBroker();
    }
    return InMemoryBroker.sharedBroker;
  }

  private readonly defaultPartitions: number;
  private readonly topicPartitions: Readonly<Record<string, number>>;
  private readonly fromBeginning: boolean;
  private readonly deadLetterSuffix: string;
  private readonly retry: RetryPolicy;
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private closed = false;

  constructor(options: InMemoryBrokerOptions = {}) {
    this.defaultPartitions = checkPartitions(options.partitions ?? DEFAULT_PARTITIONS);
    this.topicPartitions = options.topicPartitions ?? {};
    Object.values(this.topicPartitions).forEach(checkPartitions);
    this.fromBeginning = options.fromBeginning ?? true;
    this.deadLetterSuffix = options.deadLetterSuffix ?? DEFAULT_DEAD_LETTER_SUFFIX;
    this.retry = new RetryPolicy(
      options.retryInitialDelayMs ?? DEFAULT_RETRY_INITIAL_DELAY_MS,
      options.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
    );
  }

  /** The name of `topic`'s dead-letter topic. */
  deadLetterTopic(topic: string): string {
    return topic + this.deadLetterSuffix;
  }

  /** Creates `topic` unless it exists, and returns its partition count. */
  createTopic(topic: string, defaults: TopicDefaults = {}): number {
    return this.topic(topic, defaults).partitionCount;
  }

  /**
   * Appends records in order, each to the partition of its key (round robin without a key), and
   * returns them with their positions. Appending is the broker's acknowledgement.
   */
  append(records: readonly TransportRecord[], defaults: TopicDefaults = {}): IncomingRecord[] {
    this.assertOpen();
    const appended = records.map((record) => this.topic(record.topic, defaults).append(record));
    for (const record of appended) {
      this.groups.forEach((group) => group.wake(record));
    }
    return appended;
  }

  /** Appends `record` to its dead-letter topic, keeping key, value and headers, plus the reason. */
  deadLetter(record: IncomingRecord, reason: DeadLetterReason, defaults: TopicDefaults = {}): IncomingRecord {
    const [appended] = this.append(
      [
        {
          topic: this.deadLetterTopic(record.topic),
          key: record.key,
          value: record.value,
          headers: { ...record.headers, ...deadLetterHeaders(record, reason) },
        },
      ],
      defaults,
    );
    return appended;
  }

  /** Every record of `topic`, partition by partition, in offset order; empty for an unknown topic. */
  records(topic: string): IncomingRecord[] {
    return this.topics.get(topic)?.logs.flat() ?? [];
  }

  /** Adds a member to the subscription's consumer group; the group rebalances its partitions. */
  join(subscription: TransportSubscription, defaults: TopicDefaults = {}): InMemoryMembership {
    this.assertOpen();
    subscription.topics.forEach((topic) => this.topic(topic, defaults));
    return this.group(subscription.groupId).add(subscription);
  }

  /**
   * Records not committed yet by a group with members, and records being handled. With `members`,
   * only the backlog of partitions they own and the records they are handling.
   */
  pending(members?: Iterable<InMemoryMembership>): PendingRecord[] {
    const only = members === undefined ? undefined : new Set<InMemoryMembership>(members);
    const includes = (member: Member) => only === undefined || only.has(member);
    return [...this.groups.values()].flatMap((group) => group.pending(includes));
  }

  /** Descriptions of {@link pending} work, for tracked test sessions; empty when idle. */
  inFlight(): string[] {
    return this.pending().map((pending) => describePendingRecord('in-memory', pending));
  }

  /**
   * Stops every delivery and timer at once, without waiting for running `handle` calls; the broker
   * refuses further use.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.groups.forEach((group) => group.stop());
  }

  private topic(name: string, defaults: TopicDefaults): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      const partitions =
        this.topicPartitions[name] ?? checkPartitions(defaults.partitions ?? this.defaultPartitions);
      topic = new Topic(name, partitions);
      this.topics.set(name, topic);
    }
    return topic;
  }

  private group(groupId: string): ConsumerGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      const topicOf = (name: string) => this.topic(name, {});
      group = new ConsumerGroup(groupId, topicOf, this.fromBeginning, this.retry);
      this.groups.set(groupId, group);
    }
    return group;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('InMemoryBroker is closed');
  }
}

function checkPartitions(partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`A topic needs a whole number of partitions ≥ 1, got ${partitions}`);
  }
  return partitions;
}

class RetryPolicy {
  constructor(
    private readonly initialDelayMs: number,
    private readonly maxDelayMs: number,
  ) {}

  delayAfter(failures: number): number {
    return Math.min(this.initialDelayMs * 2 ** (failures - 1), this.maxDelayMs);
  }
}

class Topic {
  readonly logs: IncomingRecord[][];
  private unkeyed = 0;

  constructor(
    readonly name: string,
    partitionCount: number,
  ) {
    this.logs = Array.from({ length: partitionCount }, () => []);
  }

  get partitionCount(): number {
    return this.logs.length;
  }

  append(record: TransportRecord): IncomingRecord {
    const key = record.key ?? null;
    const partition =
      key === null ? this.unkeyed++ % this.partitionCount : keyPartition(key, this.partitionCount);
    const log = this.logs[partition];
    // Copies, so neither the publisher nor one consumer group can change what others read.
    const stored: IncomingRecord = Object.freeze({
      topic: this.name,
      key,
      value: record.value === null ? null : Buffer.from(record.value),
      headers: Object.freeze({ ...record.headers }),
      partition,
      offset: String(log.length),
    });
    log.push(stored);
    return stored;
  }
}

interface Delivery {
  readonly cursor: PartitionCursor;
  readonly member: Member;
  readonly attempt: number;
}

class Member implements InMemoryMembership {
  active = true;
  /** Running deliveries and the promise settling with each. */
  readonly deliveries = new Map<Delivery, Promise<void>>();

  constructor(
    readonly subscription: TransportSubscription,
    private readonly group: ConsumerGroup,
  ) {}

  get groupId(): string {
    return this.subscription.groupId;
  }

  assignment(): TopicPartition[] {
    return this.group.assignmentOf(this);
  }

  async leave(options: { readonly drainMs?: number } = {}): Promise<void> {
    if (!this.active) return;
    this.group.remove(this);
    await settleWithin(Promise.all(this.deliveries.values()), options.drainMs ?? DEFAULT_DRAIN_MS);
    for (const delivery of this.deliveries.keys()) delivery.cursor.release(delivery);
  }
}

class ConsumerGroup {
  private readonly members: Member[] = [];
  private readonly cursors = new Map<string, PartitionCursor>();

  constructor(
    readonly id: string,
    private readonly topicOf: (name: string) => Topic,
    private readonly fromBeginning: boolean,
    private readonly retry: RetryPolicy,
  ) {}

  add(subscription: TransportSubscription): Member {
    const member = new Member(subscription, this);
    this.members.push(member);
    this.rebalance();
    return member;
  }

  remove(member: Member): void {
    member.active = false;
    this.members.splice(this.members.indexOf(member), 1);
    this.rebalance();
  }

  wake(record: TopicPartition): void {
    this.cursors.get(partitionKey(record.topic, record.partition))?.wake();
  }

  assignmentOf(member: Member): TopicPartition[] {
    return [...this.cursors.values()]
      .filter((cursor) => cursor.owner === member)
      .map(({ topic, partition }) => ({ topic, partition }));
  }

  pending(includes: (member: Member) => boolean): PendingRecord[] {
    return [...this.cursors.values()].flatMap((cursor) => cursor.pending(includes));
  }

  stop(): void {
    this.members.forEach((member) => (member.active = false));
    this.members.length = 0;
    this.cursors.forEach((cursor) => cursor.stop());
  }

  /** Round robin over the sorted partitions of the subscribed topics, like Kafka's assignor. */
  private rebalance(): void {
    const owners = new Map<PartitionCursor, Member>();
    let turn = 0;
    for (const name of [...new Set(this.members.flatMap((member) => member.subscription.topics))].sort()) {
      const candidates = this.members.filter((member) => member.subscription.topics.includes(name));
      const topic = this.topicOf(name);
      for (let partition = 0; partition < topic.partitionCount; partition++) {
        owners.set(this.cursor(topic, partition), candidates[turn++ % candidates.length]);
      }
    }
    this.cursors.forEach((cursor) => cursor.assign(owners.get(cursor)));
  }

  private cursor(topic: Topic, partition: number): PartitionCursor {
    const key = partitionKey(topic.name, partition);
    let cursor = this.cursors.get(key);
    if (!cursor) {
      const log = topic.logs[partition];
      const start = this.fromBeginning ? 0 : log.length;
      cursor = new PartitionCursor(topic.name, partition, this.id, log, start, this.retry);
      this.cursors.set(key, cursor);
    }
    return cursor;
  }
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * One group's position in one partition. At most one delivery runs at a time, whoever owns the
 * partition, which is what keeps a partition strictly ordered across rebalances.
 */
class PartitionCursor {
  owner: Member | undefined;
  private delivery: Delivery | undefined;
  /** Rejections of the record at `committed`. */
  private failures = 0;
  private scheduled: (() => void) | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly groupId: string,
    private readonly log: readonly IncomingRecord[],
    private committed: number,
    private readonly retry: RetryPolicy,
  ) {}

  assign(owner: Member | undefined): void {
    this.owner = owner;
    if (owner) this.wake();
    else this.cancelScheduled();
  }

  /** Delivers the next record soon, unless a delivery or a redelivery is already due. */
  wake(): void {
    if (!this.owner || this.scheduled) return;
    const immediate = setImmediate(() => this.run());
    this.scheduled = () => clearImmediate(immediate);
  }

  /** Gives up waiting for `delivery`, whose member left, so the new owner gets the record again. */
  release(delivery: Delivery): void {
    if (this.delivery !== delivery) return;
    this.delivery = undefined;
    this.wake();
  }

  stop(): void {
    this.owner = undefined;
    this.delivery = undefined;
    this.cancelScheduled();
  }

  pending(includes: (member: Member) => boolean): PendingRecord[] {
    const found: PendingRecord[] = [];
    if (this.delivery && includes(this.delivery.member)) {
      found.push(this.describe(this.committed, 'handling', this.delivery.attempt));
    }
    if (!this.owner || !includes(this.owner)) return found;
    for (
      let offset = this.delivery ? this.committed + 1 : this.committed;
      offset < this.log.length;
      offset++
    ) {
      const retrying = offset === this.committed && this.failures > 0;
      found.push(this.describe(offset, retrying ? 'retrying' : 'waiting', retrying ? this.failures : 0));
    }
    return found;
  }

  private run(): void {
    this.scheduled = undefined;
    if (this.delivery || !this.owner || this.committed >= this.log.length) return;
    const delivery: Delivery = { cursor: this, member: this.owner, attempt: this.failures + 1 };
    this.delivery = delivery;
    const settled = invokeHandle(delivery.member.subscription, this.log[this.committed]).then(
      () => this.settle(delivery, true),
      () => this.settle(delivery, false),
    );
    delivery.member.deliveries.set(delivery, settled);
  }

  private settle(delivery: Delivery, handled: boolean): void {
    delivery.member.deliveries.delete(delivery);
    // A released delivery's record was handed to another member; its outcome no longer counts.
    if (this.delivery !== delivery) return;
    this.delivery = undefined;
    if (handled) {
      this.committed += 1;
      this.failures = 0;
      this.wake();
    } else {
      this.failures += 1;
      this.redeliverLater();
    }
  }

  private redeliverLater(): void {
    if (!this.owner) return;
    this.cancelScheduled();
    const timer = setTimeout(() => this.run(), this.retry.delayAfter(this.failures));
    this.scheduled = () => clearTimeout(timer);
  }

  private cancelScheduled(): void {
    this.scheduled?.();
    this.scheduled = undefined;
  }

  private describe(offset: number, state: PendingRecord['state'], attempts: number): PendingRecord {
    return {
      topic: this.topic,
      partition: this.partition,
      offset: String(offset),
      groupId: this.groupId,
      state,
      attempts,
    };
  }
}

/** Calls `handle`, turning a synchronous throw into a rejection like any other failure. */
function invokeHandle(subscription: TransportSubscription, record: IncomingRecord): Promise<void> {
  return new Promise<void>((resolve) => resolve(subscription.handle(record)));
}

async function settleWithin(work: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
