import type { ConnectionOptions } from 'node:tls';
import { MessagingConfigurationError } from '../../errors/messaging-errors.js';
import type { KafkaClient, KafkaCompression } from './kafka-client.js';

/**
 * SASL authentication, passed to the client. `scram-sha-256`/`scram-sha-512` never send the password
 * itself; `plain` does, so use it only together with `ssl`.
 */
export interface KafkaSaslOptions {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/** Where the brokers are and how to reach them. */
export interface KafkaConnectionOptions {
  /** Bootstrap brokers, `host:port`. Required unless `client` is given. */
  readonly brokers?: readonly string[];
  /** Client id the brokers see in their logs and quotas. Default `momentum`. */
  readonly clientId?: string;
  /**
   * TLS: `true` for the system's trusted CAs, or Node `tls.connect` options (`ca`, `cert`, `key`,
   * `servername`, `rejectUnauthorized`, …) for a private CA or mutual TLS. Default off.
   */
  readonly ssl?: boolean | ConnectionOptions;
  /** SASL authentication (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). Default none. */
  readonly sasl?: KafkaSaslOptions;
  /** How long connecting to a broker may take. Default 3,000 ms. */
  readonly connectionTimeoutMs?: number;
  /** How long one request may take before it is retried. Default 30,000 ms. */
  readonly requestTimeoutMs?: number;
}

/** How records are sent. */
export interface KafkaProducerSettings {
  /** Most records in one request; more concurrent publishes wait for the next one. Default 500. */
  readonly maxBatchSize?: number;
  /**
   * How long the first record of a batch waits for others before the request goes out. Default 0:
   * publishes made in the same tick, or while a request is in flight, still share one request.
   */
  readonly lingerMs?: number;
  /** `none` (default) or `gzip`. */
  readonly compression?: KafkaCompression;
  /** Further attempts after a failed send, with exponential backoff. Default 5. */
  readonly retries?: number;
  /** Delay before the first retry; doubles per retry. Default 100 ms. */
  readonly retryInitialDelayMs?: number;
  /** Upper bound of the retry delay. Default 5,000 ms. */
  readonly retryMaxDelayMs?: number;
  /** How long the brokers may take to acknowledge a request. Default 30,000 ms. */
  readonly ackTimeoutMs?: number;
}

/**
 * When a listener's failures (records whose `handle` rejected or that were dead-lettered) reach
 * `failureRateThreshold` of at least `minimumCalls` outcomes within `windowMs`, its consumer stops
 * fetching for `cooldownMs`, then tries again; one more failure then reopens it at once.
 */
export interface KafkaCircuitBreakerSettings {
  /** Default 60,000 ms. */
  readonly windowMs?: number;
  /** Default 20. */
  readonly minimumCalls?: number;
  /** A fraction in (0, 1]. Default 0.5. */
  readonly failureRateThreshold?: number;
  /** Default 30,000 ms. */
  readonly cooldownMs?: number;
}

/** How records are consumed. */
export interface KafkaConsumerSettings {
  /** Partitions processed at the same time, per subscription. Default 8. */
  readonly partitionsConcurrently?: number;
  /** Keys of one partition handled at the same time; one key is always handled in order. Default 8. */
  readonly maxConcurrentKeys?: number;
  /**
   * Most records of one tenant (the CloudEvents `tenantid` extension, else the event's `tenantId`)
   * this consumer handles at once, over all its partitions, so one tenant's burst cannot take every
   * slot: a record of a tenant at its limit waits while other tenants' records go ahead. Records
   * without a tenant are not limited. Default: no limit beyond `maxConcurrentKeys` per partition.
   */
  readonly maxConcurrentPerTenant?: number;
  /**
   * Look-ahead: records of one partition fetched and held, not yet finished, at most. With it, the
   * consumer keeps fetching past a partition's unfinished records, so a record behind another key's
   * backlog (another tenant's) starts without waiting for that backlog to drain; with a full buffer
   * it stops fetching further until records finish. Default 0: no look-ahead, each fetched batch is
   * finished before the partition is fetched again.
   */
  readonly maxBufferedRecords?: number;
  /**
   * With look-ahead, how long a partition's records are handled before the consumer fetches again
   * for newer ones (running records finish first). Default 200 ms.
   */
  readonly lookAheadIntervalMs?: number;
  /** Whether a group without committed offsets starts at the earliest record (default) or the latest. */
  readonly fromBeginning?: boolean;
  /** A member that sends no heartbeat for this long is removed from its group. Default 30,000 ms. */
  readonly sessionTimeoutMs?: number;
  /** How long a rebalance waits for members to finish their batches and rejoin. Default 60,000 ms. */
  readonly rebalanceTimeoutMs?: number;
  /** Default 3,000 ms; must be below `sessionTimeoutMs`. */
  readonly heartbeatIntervalMs?: number;
  /** How long the broker holds a fetch that finds no data. Default 1,000 ms. */
  readonly maxWaitTimeMs?: number;
  /** Delay before a record whose `handle` rejected is delivered again; doubles per rejection. Default 200 ms. */
  readonly retryInitialDelayMs?: number;
  /** Upper bound of the redelivery delay. Default 10,000 ms. */
  readonly retryMaxDelayMs?: number;
  /** How long `close()` lets running `handle` calls finish. Default 10,000 ms. */
  readonly closeTimeoutMs?: number;
  /** Per-listener circuit breaker; `false` turns it off. On by default. */
  readonly circuitBreaker?: KafkaCircuitBreakerSettings | false;
}

/** What the transport does about a topic when it starts or first publishes to it. */
export type TopicProvisioning = 'create' | 'verify' | 'none';

/** Provisioning of one topic. */
export interface KafkaTopicSettings {
  /** `create` (default): create it when missing. `verify`: fail when missing. `none`: leave it to the broker. */
  readonly provision?: TopicProvisioning;
  /** Partitions of a created topic. Default: the broker's `num.partitions`. */
  readonly partitions?: number;
  /** Replicas of a created topic. Default: the broker's `default.replication.factor`. */
  readonly replicationFactor?: number;
}

/** Options of {@link KafkaTransport}. */
export interface KafkaTransportOptions extends KafkaConnectionOptions {
  /** The name routes refer to. Default `kafka`. */
  readonly name?: string;
  /** A client other than kafkajs; the connection options are then the client's business. */
  readonly client?: KafkaClient;
  /** CloudEvents binary mode (`ce_*` headers, default) or structured mode (`application/cloudevents+json`). */
  readonly encoding?: 'binary' | 'structured';
  /**
   * The Kafka topic of a message topic, e.g. `(topic) => \`${env}.${topic}\`` for an environment
   * prefix. Consumers see the message topic again. Default: the same name.
   */
  readonly topicName?: (topic: string) => string;
  /** Appended to a Kafka topic's name to name its dead-letter topic. Default `.dlq`. */
  readonly deadLetterSuffix?: string;
  /** The dead-letter topic of a Kafka topic; wins over `deadLetterSuffix`. */
  readonly deadLetterTopic?: (topic: string) => string;
  readonly producer?: KafkaProducerSettings;
  readonly consumer?: KafkaConsumerSettings;
  /** Provisioning of topics without their own entry in `topics`. Default `{ provision: 'create' }`. */
  readonly topicDefaults?: KafkaTopicSettings;
  /** Provisioning per message topic; these topics (and their dead-letter topics) are provisioned at start. */
  readonly topics?: Readonly<Record<string, KafkaTopicSettings>>;
}

/** {@link KafkaTransportOptions} with every default applied. */
export interface ResolvedKafkaTransportOptions {
  readonly name: string;
  readonly client?: KafkaClient;
  readonly connection: Required<
    Pick<KafkaConnectionOptions, 'clientId' | 'connectionTimeoutMs' | 'requestTimeoutMs'>
  > &
    Pick<KafkaConnectionOptions, 'ssl' | 'sasl'> & { readonly brokers: readonly string[] };
  readonly encoding: 'binary' | 'structured';
  readonly topicName: (topic: string) => string;
  readonly deadLetterTopic: (topic: string) => string;
  readonly producer: Required<KafkaProducerSettings>;
  readonly consumer: Required<Omit<KafkaConsumerSettings, 'circuitBreaker'>> & {
    readonly circuitBreaker: Required<KafkaCircuitBreakerSettings> | false;
  };
  readonly topicDefaults: Required<Pick<KafkaTopicSettings, 'provision'>> & KafkaTopicSettings;
  readonly topics: Readonly<Record<string, KafkaTopicSettings>>;
}

const PRODUCER_DEFAULTS: Required<KafkaProducerSettings> = {
  maxBatchSize: 500,
  lingerMs: 0,
  compression: 'none',
  retries: 5,
  retryInitialDelayMs: 100,
  retryMaxDelayMs: 5_000,
  ackTimeoutMs: 30_000,
};

const CONSUMER_DEFAULTS: Required<Omit<KafkaConsumerSettings, 'circuitBreaker'>> = {
  partitionsConcurrently: 8,
  maxConcurrentKeys: 8,
  maxConcurrentPerTenant: Number.POSITIVE_INFINITY,
  maxBufferedRecords: 0,
  lookAheadIntervalMs: 200,
  fromBeginning: true,
  sessionTimeoutMs: 30_000,
  rebalanceTimeoutMs: 60_000,
  heartbeatIntervalMs: 3_000,
  maxWaitTimeMs: 1_000,
  retryInitialDelayMs: 200,
  retryMaxDelayMs: 10_000,
  closeTimeoutMs: 10_000,
};

const BREAKER_DEFAULTS: Required<KafkaCircuitBreakerSettings> = {
  windowMs: 60_000,
  minimumCalls: 20,
  failureRateThreshold: 0.5,
  cooldownMs: 30_000,
};

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
const PROVISIONING = ['create', 'verify', 'none'] as const;
const BROKER = /^[^\s:]+:\d{1,5}$/;

/**
 * Validates `options` and applies the defaults. Throws a {@link MessagingConfigurationError} naming
 * the first invalid option, e.g. `kafka.producer.lingerMs`.
 */
export function resolveKafkaTransportOptions(options: KafkaTransportOptions): ResolvedKafkaTransportOptions {
  if (options === null || typeof options !== 'object') fail('kafka', 'must be an object');
  const name = options.name ?? 'kafka';
  if (typeof name !== 'string' || name.length === 0) fail('kafka.name', 'must be a non-empty string');
  return {
    name,
    client: options.client,
    connection: resolveConnection(options),
    encoding: oneOf('kafka.encoding', options.encoding ?? 'binary', ['binary', 'structured'] as const),
    topicName: optionalFunction('kafka.topicName', options.topicName) ?? ((topic) => topic),
    deadLetterTopic: resolveDeadLetterTopic(options),
    producer: resolveProducer(options.producer ?? {}),
    consumer: resolveConsumer(options.consumer ?? {}),
    topicDefaults: {
      provision: 'create',
      ...resolveTopic('kafka.topicDefaults', options.topicDefaults ?? {}),
    },
    topics: Object.fromEntries(
      Object.entries(options.topics ?? {}).map(([topic, settings]) => [
        topic,
        resolveTopic(`kafka.topics.${topic}`, settings),
      ]),
    ),
  };
}

function resolveConnection(options: KafkaTransportOptions): ResolvedKafkaTransportOptions['connection'] {
  const brokers = options.brokers ?? [];
  if (!Array.isArray(brokers)) fail('kafka.brokers', 'must be an array of host:port strings');
  if (!options.client && brokers.length === 0)
    fail('kafka.brokers', 'must list at least one broker (host:port)');
  brokers.forEach((broker, index) => {
    if (typeof broker !== 'string' || !BROKER.test(broker))
      fail(`kafka.brokers[${index}]`, `must be host:port (got '${String(broker)}')`);
  });
  const clientId = options.clientId ?? 'momentum';
  if (typeof clientId !== 'string' || clientId.length === 0)
    fail('kafka.clientId', 'must be a non-empty string');
  if (options.ssl !== undefined && typeof options.ssl !== 'boolean' && typeof options.ssl !== 'object')
    fail('kafka.ssl', 'must be a boolean or tls.ConnectionOptions');
  if (options.sasl !== undefined) validateSasl(options.sasl);
  return {
    brokers,
    clientId,
    ssl: options.ssl,
    sasl: options.sasl,
    connectionTimeoutMs: positive('kafka.connectionTimeoutMs', options.connectionTimeoutMs ?? 3_000),
    requestTimeoutMs: positive('kafka.requestTimeoutMs', options.requestTimeoutMs ?? 30_000),
  };
}

function validateSasl(sasl: KafkaSaslOptions): void {
  if (sasl === null || typeof sasl !== 'object') fail('kafka.sasl', 'must be an object');
  oneOf('kafka.sasl.mechanism', sasl.mechanism, SASL_MECHANISMS);
  if (typeof sasl.username !== 'string' || sasl.username.length === 0)
    fail('kafka.sasl.username', 'must be a non-empty string');
  if (typeof sasl.password !== 'string') fail('kafka.sasl.password', 'must be a string');
}

function resolveDeadLetterTopic(options: KafkaTransportOptions): (topic: string) => string {
  const custom = optionalFunction('kafka.deadLetterTopic', options.deadLetterTopic);
  if (custom) return custom;
  const suffix = options.deadLetterSuffix ?? '.dlq';
  if (typeof suffix !== 'string' || suffix.length === 0)
    fail('kafka.deadLetterSuffix', 'must be a non-empty string');
  return (topic) => topic + suffix;
}

function resolveProducer(settings: KafkaProducerSettings): Required<KafkaProducerSettings> {
  const producer = { ...PRODUCER_DEFAULTS, ...settings };
  positiveInteger('kafka.producer.maxBatchSize', producer.maxBatchSize);
  nonNegative('kafka.producer.lingerMs', producer.lingerMs);
  oneOf('kafka.producer.compression', producer.compression, ['none', 'gzip'] as const);
  nonNegativeInteger('kafka.producer.retries', producer.retries);
  positive('kafka.producer.retryInitialDelayMs', producer.retryInitialDelayMs);
  atLeast(
    'kafka.producer.retryMaxDelayMs',
    producer.retryMaxDelayMs,
    producer.retryInitialDelayMs,
    'retryInitialDelayMs',
  );
  positive('kafka.producer.ackTimeoutMs', producer.ackTimeoutMs);
  return producer;
}

function resolveConsumer(settings: KafkaConsumerSettings): ResolvedKafkaTransportOptions['consumer'] {
  const { circuitBreaker, ...rest } = settings;
  const consumer = { ...CONSUMER_DEFAULTS, ...rest };
  positiveInteger('kafka.consumer.partitionsConcurrently', consumer.partitionsConcurrently);
  positiveInteger('kafka.consumer.maxConcurrentKeys', consumer.maxConcurrentKeys);
  if (consumer.maxConcurrentPerTenant !== Number.POSITIVE_INFINITY)
    positiveInteger('kafka.consumer.maxConcurrentPerTenant', consumer.maxConcurrentPerTenant);
  nonNegativeInteger('kafka.consumer.maxBufferedRecords', consumer.maxBufferedRecords);
  positive('kafka.consumer.lookAheadIntervalMs', consumer.lookAheadIntervalMs);
  if (typeof consumer.fromBeginning !== 'boolean') fail('kafka.consumer.fromBeginning', 'must be a boolean');
  positive('kafka.consumer.sessionTimeoutMs', consumer.sessionTimeoutMs);
  positive('kafka.consumer.rebalanceTimeoutMs', consumer.rebalanceTimeoutMs);
  positive('kafka.consumer.heartbeatIntervalMs', consumer.heartbeatIntervalMs);
  if (consumer.heartbeatIntervalMs >= consumer.sessionTimeoutMs)
    fail(
      'kafka.consumer.heartbeatIntervalMs',
      `must be below sessionTimeoutMs (${consumer.sessionTimeoutMs})`,
    );
  nonNegative('kafka.consumer.maxWaitTimeMs', consumer.maxWaitTimeMs);
  positive('kafka.consumer.retryInitialDelayMs', consumer.retryInitialDelayMs);
  atLeast(
    'kafka.consumer.retryMaxDelayMs',
    consumer.retryMaxDelayMs,
    consumer.retryInitialDelayMs,
    'retryInitialDelayMs',
  );
  nonNegative('kafka.consumer.closeTimeoutMs', consumer.closeTimeoutMs);
  return { ...consumer, circuitBreaker: resolveBreaker(circuitBreaker) };
}

function resolveBreaker(
  settings: KafkaCircuitBreakerSettings | false | undefined,
): Required<KafkaCircuitBreakerSettings> | false {
  if (settings === false) return false;
  if (settings !== undefined && (settings === null || typeof settings !== 'object'))
    fail('kafka.consumer.circuitBreaker', 'must be an object or false');
  const breaker = { ...BREAKER_DEFAULTS, ...settings };
  positive('kafka.consumer.circuitBreaker.windowMs', breaker.windowMs);
  positiveInteger('kafka.consumer.circuitBreaker.minimumCalls', breaker.minimumCalls);
  const threshold = breaker.failureRateThreshold;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1))
    fail(
      'kafka.consumer.circuitBreaker.failureRateThreshold',
      `must be a fraction in (0, 1] (got ${threshold})`,
    );
  positive('kafka.consumer.circuitBreaker.cooldownMs', breaker.cooldownMs);
  return breaker;
}

function resolveTopic(path: string, settings: KafkaTopicSettings): KafkaTopicSettings {
  if (settings === null || typeof settings !== 'object') fail(path, 'must be an object');
  if (settings.provision !== undefined) oneOf(`${path}.provision`, settings.provision, PROVISIONING);
  if (settings.partitions !== undefined) positiveInteger(`${path}.partitions`, settings.partitions);
  if (settings.replicationFactor !== undefined)
    positiveInteger(`${path}.replicationFactor`, settings.replicationFactor);
  return settings;
}

function fail(option: string, problem: string): never {
  throw new MessagingConfigurationError(option, problem);
}

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    fail(option, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (got '${String(value)}')`);
  return value as T;
}

function optionalFunction<T>(option: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') fail(option, 'must be a function');
  return value;
}

function positive(option: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    fail(option, `must be a number > 0 (got ${String(value)})`);
  return value;
}

function nonNegative(option: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    fail(option, `must be a number ≥ 0 (got ${String(value)})`);
  return value;
}

function positiveInteger(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    fail(option, `must be a whole number ≥ 1 (got ${String(value)})`);
  return value;
}

function nonNegativeInteger(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    fail(option, `must be a whole number ≥ 0 (got ${String(value)})`);
  return value;
}

function atLeast(option: string, value: number, bound: number, boundName: string): number {
  positive(option, value);
  if (value < bound) fail(option, `must be ≥ ${boundName} (${bound}), got ${value}`);
  return value;
}
