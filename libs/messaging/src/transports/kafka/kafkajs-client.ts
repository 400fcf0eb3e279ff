import { Logger } from '@nestjs/common';
import kafkajs from 'kafkajs';
import type {
  Admin,
  Consumer,
  EachBatchPayload,
  IHeaders,
  ITopicMetadata,
  KafkaConfig,
  KafkaMessage,
  logCreator,
  Producer,
  SASLOptions,
} from 'kafkajs';
import type { IncomingRecord, TransportRecord } from '../message-transport.js';
import type {
  KafkaAdminClient,
  KafkaBatch,
  KafkaClient,
  KafkaCommitOffset,
  KafkaConsumerClient,
  KafkaConsumerOptions,
  KafkaConsumerRun,
  KafkaHeartbeat,
  KafkaProducerClient,
  KafkaProducerOptions,
  KafkaTopicPartitions,
  KafkaTopicSpec,
} from './kafka-client.js';
import type { KafkaConnectionOptions } from './kafka-transport-options.js';

const { CompressionTypes, Kafka, logLevel, Partitioners } = kafkajs;

/** Connection settings of {@link KafkajsClient}, with defaults applied. */
export type KafkajsConnection = Required<
  Pick<KafkaConnectionOptions, 'clientId' | 'connectionTimeoutMs' | 'requestTimeoutMs'>
> &
  Pick<KafkaConnectionOptions, 'ssl' | 'sasl'> & { readonly brokers: readonly string[] };

/** How long a topic may take, after creation, until the broker reports a leader for each partition. */
const TOPIC_READY_TIMEOUT_MS = 30_000;
const TOPIC_READY_POLL_MS = 100;
/** Metadata answers meaning "this topic exists but has not reached every broker's view yet". */
const NOT_READY_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** Errors after which a consumer must give its partitions back and rejoin its group. */
const REJOIN_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);

/**
 * The kafkajs configuration for our connection options: brokers, client id, timeouts, TLS (`ssl`:
 * `true` or `tls.ConnectionOptions`, as is) and SASL (`plain`, `scram-sha-256`, `scram-sha-512`,
 * as is), with kafkajs's log routed to Nest's `Logger`.
 */
export function kafkajsConfig(connection: KafkajsConnection): KafkaConfig {
  return {
    brokers: [...connection.brokers],
    clientId: connection.clientId,
    ssl: connection.ssl,
    sasl: connection.sasl ? ({ ...connection.sasl } as SASLOptions) : undefined,
    connectionTimeout: connection.connectionTimeoutMs,
    requestTimeout: connection.requestTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator: nestLogCreator,
  };
}

/** {@link KafkaClient} on kafkajs 2.2. */
export class KafkajsClient implements KafkaClient {
  private readonly kafka: InstanceType<typeof Kafka>;

  constructor(connection: KafkajsConnection) {
    this.kafka = new Kafka(kafkajsConfig(connection));
  }

  producer(options: KafkaProducerOptions): KafkaProducerClient {
    const producer = this.kafka.producer({
      idempotent: true,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // One quick retry inside kafkajs (it refreshes metadata first); the transport's own
      // retries with backoff resend the same batch, keeping the idempotent sequence numbers.
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    return new KafkajsProducer(producer, options);
  }

  consumer(options: KafkaConsumerOptions): KafkaConsumerClient {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    return new KafkajsConsumer(consumer);
  }

  admin(): KafkaAdminClient {
    return new KafkajsAdmin(this.kafka.admin());
  }
}

class KafkajsProducer implements KafkaProducerClient {
  constructor(
    private readonly producer: Producer,
    private readonly options: KafkaProducerOptions,
  ) {}

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(records: readonly TransportRecord[]): Promise<void> {
    const byTopic = new Map<string, TransportRecord[]>();
    for (const record of records) byTopic.set(record.topic, [...(byTopic.get(record.topic) ?? []), record]);
    try {
      await this.producer.sendBatch({
        acks: -1,
        timeout: this.options.ackTimeoutMs,
        compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({
          topic,
          messages: messages.map(({ key, value, headers }) => ({ key, value, headers: { ...headers } })),
        })),
      });
    } catch (error) {
      throw kafkajsFailureCause(error);
    }
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

class KafkajsConsumer implements KafkaConsumerClient {
  constructor(private readonly consumer: Consumer) {}

  connect(): Promise<void> {
    return this.consumer.connect();
  }

  subscribe(topics: readonly string[], options: { readonly fromBeginning: boolean }): Promise<void> {
    return this.consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning });
  }

  run(run: KafkaConsumerRun): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: run.partitionsConcurrently,
      eachBatch: (payload) => run.eachBatch(toBatch(payload)),
    });
  }

  commit(offsets: readonly KafkaCommitOffset[]): Promise<void> {
    return this.consumer.commitOffsets(
      offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
    );
  }

  pause(partitions: readonly KafkaTopicPartitions[]): void {
    whileRunning(() => this.consumer.pause(partitions.map(toTopicPartitions)));
  }

  resume(partitions: readonly KafkaTopicPartitions[]): void {
    whileRunning(() => this.consumer.resume(partitions.map(toTopicPartitions)));
  }

  onGroupJoin(listener: (assignment: Readonly<Record<string, readonly number[]>>) => void): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => listener(event.payload.memberAssignment));
  }

  onCrash(listener: (error: Error, restarting: boolean) => void): void {
    this.consumer.on(this.consumer.events.CRASH, (event) =>
      listener(event.payload.error, event.payload.restart),
    );
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }
}

class KafkajsAdmin implements KafkaAdminClient {
  constructor(private readonly admin: Admin) {}

  connect(): Promise<void> {
    return this.admin.connect();
  }

  async partitionCounts(topics: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const existing = new Set(await this.admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length === 0) return new Map();
    const metadata = await this.readyMetadata(present);
    return new Map(metadata.map((topic) => [topic.name, topic.partitions.length]));
  }

  async createTopics(topics: readonly KafkaTopicSpec[]): Promise<void> {
    // kafkajs resolves `false` when some topics already existed and creates the others. Its own
    // wait for leaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers for a
    // topic created a moment ago (by this call or by another service starting alongside).
    await this.admin.createTopics({
      waitForLeaders: false,
      topics: topics.map(({ topic, partitions, replicationFactor }) => ({
        topic,
        numPartitions: partitions ?? -1,
        replicationFactor: replicationFactor ?? -1,
      })),
    });
    await this.readyMetadata(topics.map(({ topic }) => topic));
  }

  /** Metadata of the topics once every partition of each has a leader; waits out propagation. */
  private async readyMetadata(topics: readonly string[]): Promise<readonly ITopicMetadata[]> {
    const deadline = Date.now() + TOPIC_READY_TIMEOUT_MS;
    for (;;) {
      const metadata = await this.fetchMetadata(topics, deadline);
      if (metadata && allLed(metadata, topics)) return metadata;
      if (Date.now() >= deadline) {
        throw new Error(
          `Kafka topic(s) ${topics.join(', ')} still have partitions without a leader after ` +
            `${TOPIC_READY_TIMEOUT_MS} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, TOPIC_READY_POLL_MS));
    }
  }

  private async fetchMetadata(
    topics: readonly string[],
    deadline: number,
  ): Promise<readonly ITopicMetadata[] | undefined> {
    try {
      return (await this.admin.fetchTopicMetadata({ topics: [...topics] })).topics;
    } catch (error) {
      if (!NOT_READY_ERRORS.has((error as { type?: string }).type ?? '') || Date.now() >= deadline) {
        throw error;
      }
      return undefined;
    }
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }
}

function allLed(metadata: readonly ITopicMetadata[], topics: readonly string[]): boolean {
  const byName = new Map(metadata.map((topic) => [topic.name, topic]));
  return topics.every((name) => {
    const partitions = byName.get(name)?.partitions ?? [];
    return partitions.length > 0 && partitions.every((partition) => partition.leader >= 0);
  });
}

function toBatch(payload: EachBatchPayload): KafkaBatch {
  const { batch } = payload;
  return {
    topic: batch.topic,
    partition: batch.partition,
    lastOffset: batch.lastOffset(),
    records: batch.messages.map((message) => toRecord(batch.topic, batch.partition, message)),
    // kafkajs's "resolved" offset is the last one consumed; the next fetch starts right after it.
    fetchFrom: (offset) => payload.resolveOffset(String(BigInt(offset) - 1n)),
    heartbeat: async (): Promise<KafkaHeartbeat> => {
      try {
        await payload.heartbeat();
        return 'alive';
      } catch (error) {
        if (REJOIN_ERRORS.has((error as { type?: string }).type ?? '')) return 'rebalancing';
        throw error;
      }
    },
  };
}

function toRecord(topic: string, partition: number, message: KafkaMessage): IncomingRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null || message.key === undefined ? null : message.key.toString('utf8'),
    value: message.value ?? null,
    headers: decodeHeaders(message.headers),
  };
}

/** Header values as strings; of a repeated header, the last value wins (as Java's `lastHeader`). */
function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  if (!headers) return decoded;
  for (const name of Object.keys(headers)) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) decoded[name] = value.toString();
  }
  return decoded;
}

function toTopicPartitions({ topic, partitions }: KafkaTopicPartitions): {
  topic: string;
  partitions?: number[];
} {
  return partitions ? { topic, partitions: [...partitions] } : { topic };
}

/** kafkajs refuses pause/resume between a crash and its restart; pauses are re-applied on the next join. */
function whileRunning(action: () => void): void {
  try {
    action();
  } catch (error) {
    if ((error as Error).name !== 'KafkaJSNonRetriableError') throw error;
  }
}

/** Errors kafkajs wraps around the real cause when its (nested) retriers give up. */
const WRAPPERS = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError']);

/**
 * The error that made kafkajs give up, so that its `retriable` flag says whether sending again can
 * help: kafkajs marks its wrappers as not retriable even when the cause is a refused connection.
 */
export function kafkajsFailureCause(error: unknown): unknown {
  let current = error as { name?: string; cause?: unknown };
  while (current && WRAPPERS.has(current.name ?? '') && current.cause && current.cause !== current) {
    current = current.cause as { name?: string; cause?: unknown };
  }
  return current;
}

/** Routes kafkajs's log to Nest's `Logger`, under the context `kafkajs`. */
const nestLogCreator: logCreator = () => {
  const logger = new Logger('kafkajs');
  return ({ level, log }) => {
    // We retry above kafkajs with the same batch, which keeps the idempotent sequence numbers.
    if (log.message.startsWith('Limiting retries for the idempotent producer')) return;
    const line = `${log.message}${log.error ? `: ${String(log.error)}` : ''}`;
    // kafkajs logs failures it is about to retry as errors; what finally fails reaches the
    // transport, which reports it, so these are warnings.
    if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(line);
    else logger.debug(line);
  };
};
