import type { ActivitySource } from '../../activity/activity-source.js';
import type {
  DeadLetterReason,
  IncomingRecord,
  MessageTransport,
  TransportRecord,
  TransportSubscription,
} from '../message-transport.js';
import { describePendingRecord, InMemoryBroker, type InMemoryMembership } from './in-memory-broker.js';

const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

/** Options of {@link InMemoryTransport}. */
export interface InMemoryTransportOptions {
  /** The name routes refer to; `in-memory` by default. */
  readonly name?: string;
  /** The broker to use; {@link InMemoryBroker.shared} by default, a fresh one for isolated tests. */
  readonly broker?: InMemoryBroker;
  /** Partition count of the topics this transport creates, unless the broker configures them. */
  readonly partitions?: number;
  /** How long {@link InMemoryTransport.close} waits for running `handle` calls; 5 s by default. */
  readonly closeTimeoutMs?: number;
}

/**
 * The embedded {@link MessageTransport}: consumer groups on an {@link InMemoryBroker} inside the
 * process, with the same partitioning, ordering and redelivery rules as Kafka, and nothing to run.
 */
export class InMemoryTransport implements MessageTransport {
  readonly name: string;
  readonly external = false;
  /** Records not yet committed on this transport's partitions, and its running `handle` calls. */
  readonly activity: ActivitySource = {
    inFlight: () =>
      this.broker.pending(this.memberships).map((pending) => describePendingRecord(this.name, pending)),
  };

  private readonly broker: InMemoryBroker;
  private readonly partitions: number | undefined;
  private readonly closeTimeoutMs: number;
  private readonly subscriptions: TransportSubscription[] = [];
  private memberships: InMemoryMembership[] = [];
  private state: 'new' | 'started' | 'closed' = 'new';
  private closing: Promise<void> | undefined;

  constructor(options: InMemoryTransportOptions = {}) {
    this.name = options.name ?? 'in-memory';
    this.broker = options.broker ?? InMemoryBroker.shared;
    this.partitions = options.partitions;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  }

  /** Registers a subscription, which joins its group on {@link start}. */
  subscribe(subscription: TransportSubscription): void {
    if (this.state !== 'new') {
      throw new Error(`Transport ${this.name}: subscribe before start (group ${subscription.groupId})`);
    }
    this.subscriptions.push(subscription);
  }

  /** Joins every subscription's consumer group; a second call does nothing. */
  async start(): Promise<void> {
    if (this.state === 'closed') throw new Error(`Transport ${this.name} is closed`);
    if (this.state === 'started') return;
    this.state = 'started';
    const defaults = { partitions: this.partitions };
    this.memberships = this.subscriptions.map((subscription) => this.broker.join(subscription, defaults));
  }

  /** Appends the records; resolves once all are in their partitions' logs. */
  async publish(records: readonly TransportRecord[]): Promise<void> {
    this.broker.append(records, { partitions: this.partitions });
  }

  /** Appends the record, with the reason as headers, to its topic's dead-letter topic. */
  async deadLetter(record: IncomingRecord, reason: DeadLetterReason): Promise<void> {
    this.broker.deadLetter(record, reason, { partitions: this.partitions });
  }

  /**
   * Leaves the groups, letting running `handle` calls finish first (bounded by `closeTimeoutMs`; a
   * record still unfinished then is redelivered to the group); publishing keeps working.
   */
  stopConsuming(): Promise<void> {
    this.closing ??= this.leaveGroups();
    return this.closing;
  }

  /** Leaves the groups (see {@link stopConsuming}) for good. Safe to call more than once. */
  close(): Promise<void> {
    this.state = 'closed';
    this.closing ??= this.leaveGroups();
    return this.closing;
  }

  private async leaveGroups(): Promise<void> {
    await Promise.all(
      this.memberships.map((membership) => membership.leave({ drainMs: this.closeTimeoutMs })),
    );
    this.memberships = [];
  }
}
