import type { IncomingRecord, TransportRecord } from '../message-transport.js';

/**
 * The small slice of a Kafka client that {@link KafkaTransport} needs. kafkajs is behind it
 * (`KafkajsClient`); another library (e.g. `@confluentinc/kafka-javascript` or `@platformatic/kafka`)
 * can be dropped in by implementing these four interfaces.
 */
export interface KafkaClient {
  /** A producer that writes idempotently and waits for every in-sync replica (`acks=all`). */
  producer(options: KafkaProducerOptions): KafkaProducerClient;
  /** A consumer-group member with manual offset management (nothing is committed automatically). */
  consumer(options: KafkaConsumerOptions): KafkaConsumerClient;
  admin(): KafkaAdminClient;
}

/** Compression codecs every client supports (kafkajs ships only gzip). */
export type KafkaCompression = 'none' | 'gzip';

/** Settings of {@link KafkaClient.producer}. */
export interface KafkaProducerOptions {
  readonly compression: KafkaCompression;
  /** How long the broker may take to acknowledge one request. */
  readonly ackTimeoutMs: number;
}

/** Writes records. */
export interface KafkaProducerClient {
  connect(): Promise<void>;
  /**
   * Writes the records (any topics) in one request, each to its key's partition (Kafka's murmur2
   * partitioner), keeping the order of records of one topic. Resolves once all are acknowledged.
   * Rejects with an error whose `retriable` property is `false` when sending again cannot help.
   */
  send(records: readonly TransportRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** Settings of {@link KafkaClient.consumer}. */
export interface KafkaConsumerOptions {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** How long the broker holds a fetch that has no data yet. */
  readonly maxWaitTimeMs: number;
}

/** A topic, or some of its partitions when `partitions` is given. */
export interface KafkaTopicPartitions {
  readonly topic: string;
  readonly partitions?: readonly number[];
}

/** An offset to commit: the next record the group should read from that partition. */
export interface KafkaCommitOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** What the consumer answers to a heartbeat: keep going, or give the partitions back and rejoin. */
export type KafkaHeartbeat = 'alive' | 'rebalancing';

/** One fetched batch of one partition, handed to {@link KafkaConsumerRun.eachBatch}. */
export interface KafkaBatch {
  readonly topic: string;
  readonly partition: number;
  /** Records in offset order, keys and headers decoded as UTF-8. */
  readonly records: readonly IncomingRecord[];
  /** The batch's last offset; may be past the last record (transaction markers, compaction). */
  readonly lastOffset: string;
  /** Sets where the next fetch of this partition starts (this member only; nothing is committed). */
  fetchFrom(offset: string): void;
  /** Keeps the membership alive during long work; says when the group is rebalancing. */
  heartbeat(): Promise<KafkaHeartbeat>;
}

/** How {@link KafkaConsumerClient.run} processes batches. */
export interface KafkaConsumerRun {
  /** Partitions whose batches are processed at the same time. */
  readonly partitionsConcurrently: number;
  /**
   * Processes one batch. The client does not rejoin the group (so no partition moves to another
   * member) while a call is running, and does not move the fetch position by itself.
   */
  eachBatch(batch: KafkaBatch): Promise<void>;
}

/** A consumer-group member. */
export interface KafkaConsumerClient {
  connect(): Promise<void>;
  /** Subscribes to exactly these topics; `fromBeginning` applies when the group has no offset yet. */
  subscribe(topics: readonly string[], options: { readonly fromBeginning: boolean }): Promise<void>;
  /** Joins the group and starts fetching; resolves once the first join is done. */
  run(run: KafkaConsumerRun): Promise<void>;
  commit(offsets: readonly KafkaCommitOffset[]): Promise<void>;
  /** Stops fetching from these topics or partitions; a no-op while the consumer is not running. */
  pause(partitions: readonly KafkaTopicPartitions[]): void;
  /** Fetches from these topics or partitions again; a no-op while the consumer is not running. */
  resume(partitions: readonly KafkaTopicPartitions[]): void;
  /** Called after every join of the group (first join, rebalance, restart after a crash). */
  onGroupJoin(listener: (assignment: Readonly<Record<string, readonly number[]>>) => void): void;
  /** Called when the consumer fails; `restarting` says whether it rejoins by itself. */
  onCrash(listener: (error: Error, restarting: boolean) => void): void;
  /** Waits for running `eachBatch` calls, leaves the group and disconnects. */
  disconnect(): Promise<void>;
}

/** A topic to create. `undefined` counts mean the broker's defaults. */
export interface KafkaTopicSpec {
  readonly topic: string;
  readonly partitions?: number;
  readonly replicationFactor?: number;
}

/** Creates and inspects topics. */
export interface KafkaAdminClient {
  connect(): Promise<void>;
  /** Partition counts of those of `topics` that exist. */
  partitionCounts(topics: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /** Creates the topics, waiting for their leaders; topics that already exist are left alone. */
  createTopics(topics: readonly KafkaTopicSpec[]): Promise<void>;
  disconnect(): Promise<void>;
}
