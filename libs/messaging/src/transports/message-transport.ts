import type { ActivitySource } from '../activity/activity-source.js';

/** A record as a transport carries it: a key, a serialized value and string headers. */
export interface TransportRecord {
  readonly topic: string;
  /** The partition key; records with the same key stay in order. */
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** A record received from a transport, with its position. */
export interface IncomingRecord extends TransportRecord {
  readonly partition: number;
  readonly offset: string;
}

/** Why a record was dead-lettered, as the transport writes it next to the record. */
export interface DeadLetterReason {
  readonly errorType: string;
  readonly message: string;
  readonly attempts: number;
  readonly groupId: string;
}

/**
 * A consumer-group subscription. `handle` resolves once the record is finished (handled or
 * dead-lettered); a rejection means "not finished": the transport redelivers the record
 * (at-least-once), never skipping past it.
 */
export interface TransportSubscription {
  readonly groupId: string;
  readonly topics: readonly string[];
  handle(record: IncomingRecord): Promise<void>;
  /**
   * Announces records the transport is about to `handle` (a fetched batch), so their per-record
   * work can start at once; each is then either handled or passed to {@link forget}.
   */
  prepare?(records: readonly IncomingRecord[]): void;
  /** Prepared records the transport will not handle after all (round stopped, partition revoked). */
  forget?(records: readonly IncomingRecord[]): void;
}

/**
 * What the bus needs from a broker. The in-memory transport and the Kafka transport implement it,
 * and both pass the shared conformance suite.
 */
export interface MessageTransport {
  /** The name routes refer to, e.g. `kafka` or `in-memory`. */
  readonly name: string;
  /** External transports (real brokers) are the ones stubbed by `@momentum/testing`. */
  readonly external: boolean;
  /** Registers a subscription; called before {@link start}. */
  subscribe(subscription: TransportSubscription): void;
  /** Connects, provisions topics and starts every subscription. */
  start(): Promise<void>;
  /** Publishes records; resolves once the broker has acknowledged all of them. */
  publish(records: readonly TransportRecord[]): Promise<void>;
  /** Forwards a record that cannot be handled to the transport's dead-letter destination. */
  deadLetter(record: IncomingRecord, reason: DeadLetterReason): Promise<void>;
  /**
   * Stops fetching and lets in-flight `handle` calls finish (bounded), committing what finished,
   * while publishing keeps working until {@link close}. The bus calls it first at shutdown, so
   * handlers and the outbox can still send; a transport without it is closed at that point instead.
   */
  stopConsuming?(): Promise<void>;
  /** Stops fetching, lets in-flight work finish, commits and disconnects. */
  close(): Promise<void>;
  /** Work the transport holds that is not finished yet, for tracked test sessions. */
  readonly activity?: ActivitySource;
}
