import type { ActivitySource } from '../../activity/activity-source.js';
import { asError } from '../../errors/messaging-errors.js';
import { toStructuredRecord } from '../../serialization/cloud-event-codec.js';
import { deadLetterHeaders } from '../dead-letter-headers.js';
import type {
  DeadLetterReason,
  IncomingRecord,
  MessageTransport,
  TransportRecord,
  TransportSubscription,
} from '../message-transport.js';
import type { CircuitState } from './circuit-breaker.js';
import type { KafkaAdminClient, KafkaClient, KafkaProducerClient } from './kafka-client.js';
import {
  resolveKafkaTransportOptions,
  type KafkaTransportOptions,
  type ResolvedKafkaTransportOptions,
} from './kafka-transport-options.js';
import { KafkajsClient } from './kafkajs-client.js';
import { KafkaPublishError } from './kafka-publish-error.js';
import { ProducerBatcher } from './producer-batcher.js';
import { SubscriptionConsumer } from './subscription-consumer.js';
import { TopicNames } from './topic-names.js';
import { TopicProvisioner, type TopicPlan } from './topic-provisioner.js';

/** The circuit of one listener (subscription), as {@link KafkaTransport.circuits} reports it. */
export interface ListenerCircuit {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly state: CircuitState;
}

/** The connected producer side: created on first use, by `start()` or a publish. */
interface Connection {
  readonly producer: KafkaProducerClient;
  readonly admin: KafkaAdminClient;
  readonly batcher: ProducerBatcher;
  readonly provisioner: TopicProvisioner;
}

/**
 * The Kafka {@link MessageTransport}: CloudEvents records (binary mode by default, structured as an
 * option) on a real Kafka cluster, through kafkajs or any other {@link KafkaClient}.
 *
 * Publishing: an idempotent `acks=all` producer; concurrent publishes share requests (batch size and
 * linger configurable), failed sends are retried with backoff and finally fail with a
 * `KafkaPublishError` naming the topics and the cause. Topics are provisioned before first use.
 *
 * Consuming: one consumer-group member per subscription, on exactly its topics, with manual offsets:
 * partitions in parallel, keys of a partition concurrently and each key in order, commits only up to
 * the lowest unfinished record, redelivery with backoff of records whose `handle` rejected, a circuit
 * breaker per listener, and a bounded graceful `close()`. Optionally a per-tenant limit on running
 * records and a bounded look-ahead past a partition's backlog, so one tenant's burst cannot hold
 * another tenant's records back.
 *
 * @example
 * MessagingModule.forRoot({
 *   serviceName: 'billing',
 *   transports: [new KafkaTransport({ brokers: ['kafka-1:9092'], ssl: true,
 *     sasl: { mechanism: 'scram-sha-512', username: 'billing', password: secret } })],
 * });
 */
export class KafkaTransport implements MessageTransport {
  readonly name: string;
  readonly external = true;
  /** Records fetched by this transport's consumers and not finished (handled or dead-lettered) yet. */
  readonly activity: ActivitySource = {
    inFlight: () => this.consumers.flatMap((consumer) => consumer.inFlight()),
  };

  private readonly options: ResolvedKafkaTransportOptions;
  private readonly client: KafkaClient;
  private readonly names: TopicNames;
  private readonly subscriptions: TransportSubscription[] = [];
  private readonly circuitListeners = new Set<(circuit: ListenerCircuit) => void>();
  private consumers: SubscriptionConsumer[] = [];
  private connection: Promise<Connection> | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /** Set once the consumers are closed: from then on nothing may be sent. */
  private producerClosed = false;

  /** Validates the options; an invalid one throws a `MessagingConfigurationError` naming it. */
  constructor(options: KafkaTransportOptions) {
    this.options = resolveKafkaTransportOptions(options);
    this.name = this.options.name;
    this.client = this.options.client ?? new KafkajsClient(this.options.connection);
    this.names = new TopicNames(this.options.topicName, this.options.deadLetterTopic);
  }

  /** Registers a subscription; its consumer joins the group on {@link start}. */
  subscribe(subscription: TransportSubscription): void {
    if (this.starting || this.closing) {
      throw new Error(`Transport ${this.name}: subscribe before start (group ${subscription.groupId})`);
    }
    this.subscriptions.push(subscription);
  }

  /**
   * Connects, provisions the subscribed topics, the topics listed in the options and their
   * dead-letter topics, then joins every subscription's group. A second call does nothing.
   */
  start(): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`Transport ${this.name} is closed`));
    this.starting ??= this.startConsumers().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /**
   * Resolves once the brokers acknowledged every record (`acks=all`); rejects with a
   * `KafkaPublishError` naming the topics and the cause when they could not be sent.
   */
  async publish(records: readonly TransportRecord[]): Promise<void> {
    const outgoing = records.map((record) => this.outgoing(record));
    const topics = [...new Set(outgoing.map((record) => record.topic))];
    let connection: Connection;
    try {
      connection = await this.connect();
      await connection.provisioner.ensure(topics);
    } catch (error) {
      throw new KafkaPublishError(topics, 1, asError(error));
    }
    await connection.batcher.send(outgoing);
  }

  /**
   * Writes the record, with its key, value and headers, to its topic's dead-letter topic
   * (`<topic>.dlq` by default), adding the `dlq-*` reason headers.
   */
  async deadLetter(record: IncomingRecord, reason: DeadLetterReason): Promise<void> {
    this.consumers.forEach((consumer) => consumer.noteDeadLettered(record));
    const kafkaTopic = this.names.toKafka(record.topic);
    const topic = this.names.deadLetter(kafkaTopic);
    const { batcher, provisioner } = await this.connect();
    await provisioner.ensure([topic]);
    const headers = { ...record.headers, ...deadLetterHeaders({ ...record, topic: kafkaTopic }, reason) };
    await batcher.send([{ topic, key: record.key, value: record.value, headers }]);
  }

  /**
   * Stops fetching, lets running `handle` calls finish (up to `consumer.closeTimeoutMs`), commits
   * what finished and leaves the groups; publishing keeps working until {@link close}, so the
   * outbox can still send what those handlers committed. Safe to call again.
   */
  stopConsuming(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      await Promise.all(this.consumers.map((consumer) => consumer.close()));
    })();
    return this.stopping;
  }

  /**
   * Stops consuming (see {@link stopConsuming}), then sends what is queued and disconnects. Safe to
   * call again.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /** The circuit of every listener. */
  circuits(): ListenerCircuit[] {
    return this.consumers.map((consumer) => this.circuitOf(consumer));
  }

  /** Calls `listener` whenever a listener's circuit changes; returns the unsubscribe function. */
  onCircuitChange(listener: (circuit: ListenerCircuit) => void): () => void {
    this.circuitListeners.add(listener);
    return () => this.circuitListeners.delete(listener);
  }

  private async startConsumers(): Promise<void> {
    const { provisioner } = await this.connect();
    const messageTopics = [
      ...this.subscriptions.flatMap((s) => s.topics),
      ...Object.keys(this.options.topics),
    ];
    const kafkaTopics = messageTopics.map((topic) => this.names.toKafka(topic));
    await provisioner.ensure([...kafkaTopics, ...kafkaTopics.map((topic) => this.names.deadLetter(topic))]);
    this.consumers = this.subscriptions.map((subscription) => this.consumerFor(subscription));
    try {
      await Promise.all(this.consumers.map((consumer) => consumer.start()));
    } catch (error) {
      // Leave no member behind: a later start() creates them all again.
      await Promise.allSettled(this.consumers.map((consumer) => consumer.close()));
      this.consumers = [];
      throw error;
    }
  }

  private consumerFor(subscription: TransportSubscription): SubscriptionConsumer {
    const { consumer: settings } = this.options;
    const consumer: SubscriptionConsumer = new SubscriptionConsumer({
      transportName: this.name,
      subscription,
      names: this.names,
      settings,
      client: this.client.consumer({
        groupId: subscription.groupId,
        sessionTimeoutMs: settings.sessionTimeoutMs,
        rebalanceTimeoutMs: settings.rebalanceTimeoutMs,
        heartbeatIntervalMs: settings.heartbeatIntervalMs,
        maxWaitTimeMs: settings.maxWaitTimeMs,
      }),
      circuitChanged: () => this.circuitListeners.forEach((listener) => listener(this.circuitOf(consumer))),
    });
    return consumer;
  }

  /** Connects the producer and the admin client once; a failed attempt is tried again next time. */
  private connect(): Promise<Connection> {
    if (this.producerClosed) return Promise.reject(new Error(`Transport ${this.name} is closed`));
    this.connection ??= this.openConnection().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    });
    return this.connection;
  }

  private async openConnection(): Promise<Connection> {
    const { producer: settings } = this.options;
    const producer = this.client.producer({
      compression: settings.compression,
      ackTimeoutMs: settings.ackTimeoutMs,
    });
    const admin = this.client.admin();
    await Promise.all([producer.connect(), admin.connect()]);
    return {
      producer,
      admin,
      batcher: new ProducerBatcher((records) => producer.send(records), settings),
      provisioner: new TopicProvisioner(admin, (topic) => this.planOf(topic)),
    };
  }

  private planOf(kafkaTopic: string): TopicPlan {
    return { ...this.options.topicDefaults, ...this.options.topics[this.names.toMessageTopic(kafkaTopic)] };
  }

  /** The record as it goes to Kafka: on its Kafka topic, and in structured mode if so configured. */
  private outgoing(record: TransportRecord): TransportRecord {
    const kafkaRecord = { ...record, topic: this.names.toKafka(record.topic) };
    const isCloudEvent = record.headers['ce_specversion'] !== undefined;
    return this.options.encoding === 'structured' && isCloudEvent
      ? toStructuredRecord(kafkaRecord)
      : kafkaRecord;
  }

  private async shutDown(): Promise<void> {
    // Records still being handled may dead-letter, so the producer stays up until the consumers are gone.
    await this.stopConsuming();
    this.producerClosed = true;
    const connection = await this.connection?.catch(() => undefined);
    if (!connection) return;
    await connection.batcher.flush();
    await Promise.all([connection.producer.disconnect(), connection.admin.disconnect()]);
  }

  private circuitOf(consumer: SubscriptionConsumer): ListenerCircuit {
    return { groupId: consumer.groupId, topics: consumer.topics, state: consumer.circuitState };
  }
}
