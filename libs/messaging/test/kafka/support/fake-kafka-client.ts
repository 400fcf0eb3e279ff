import type {
  KafkaAdminClient,
  KafkaBatch,
  KafkaClient,
  KafkaCommitOffset,
  KafkaConsumerClient,
  KafkaConsumerRun,
  KafkaProducerClient,
  KafkaTopicPartitions,
  KafkaTopicSpec,
} from '../../../src/transports/kafka/kafka-client.js';
import type { TransportRecord } from '../../../src/transports/message-transport.js';

// A client implementing our client interface in memory: batches are handed to `eachBatch` by the
// test, and commits, pauses and fetch positions are recorded for it to check.

export class FakeProducer implements KafkaProducerClient {
  readonly sent: TransportRecord[] = [];
  failConnects = 0;
  async connect(): Promise<void> {
    if (this.failConnects-- > 0) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  }
  async send(records: readonly TransportRecord[]): Promise<void> {
    this.sent.push(...records);
  }
  async disconnect(): Promise<void> {}
}

export class FakeAdmin implements KafkaAdminClient {
  readonly topics = new Map<string, number>();
  readonly created: KafkaTopicSpec[] = [];
  async connect(): Promise<void> {}
  async partitionCounts(topics: readonly string[]): Promise<ReadonlyMap<string, number>> {
    return new Map([...this.topics].filter(([topic]) => topics.includes(topic)));
  }
  async createTopics(topics: readonly KafkaTopicSpec[]): Promise<void> {
    for (const spec of topics) {
      this.created.push(spec);
      this.topics.set(spec.topic, spec.partitions ?? 1);
    }
  }
  async disconnect(): Promise<void> {}
}

export class FakeConsumer implements KafkaConsumerClient {
  subscribed: readonly string[] = [];
  readonly commits: KafkaCommitOffset[] = [];
  readonly pauses: string[] = [];
  runner!: KafkaConsumerRun;
  async connect(): Promise<void> {}
  async subscribe(topics: readonly string[]): Promise<void> {
    this.subscribed = topics;
  }
  async run(run: KafkaConsumerRun): Promise<void> {
    this.runner = run;
  }
  async commit(offsets: readonly KafkaCommitOffset[]): Promise<void> {
    this.commits.push(...offsets);
  }
  pause(partitions: readonly KafkaTopicPartitions[]): void {
    this.pauses.push(
      ...partitions.map((p) => `pause ${p.topic}${p.partitions ? `[${p.partitions.join(',')}]` : ''}`),
    );
  }
  resume(partitions: readonly KafkaTopicPartitions[]): void {
    this.pauses.push(
      ...partitions.map((p) => `resume ${p.topic}${p.partitions ? `[${p.partitions.join(',')}]` : ''}`),
    );
  }
  onGroupJoin(): void {}
  onCrash(): void {}
  async disconnect(): Promise<void> {}
}

export class FakeClient implements KafkaClient {
  readonly producerClient = new FakeProducer();
  readonly adminClient = new FakeAdmin();
  readonly consumers: FakeConsumer[] = [];
  producer(): KafkaProducerClient {
    return this.producerClient;
  }
  consumer(): KafkaConsumerClient {
    const consumer = new FakeConsumer();
    this.consumers.push(consumer);
    return consumer;
  }
  admin(): KafkaAdminClient {
    return this.adminClient;
  }
}

/** One record of a {@link batchOf} batch; its headers default to `seq: <offset>`. */
export interface FakeRecord {
  readonly offset: number;
  readonly key: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A fetched batch whose fetch position the test can read. */
export function batchOf(topic: string, partition: number, records: readonly FakeRecord[]) {
  const fetched: { from?: string } = {};
  const batch: KafkaBatch = {
    topic,
    partition,
    lastOffset: String(records[records.length - 1]!.offset),
    records: records.map(({ offset, key, headers }) => ({
      topic,
      partition,
      offset: String(offset),
      key,
      value: Buffer.from(String(offset)),
      headers: headers ?? { seq: String(offset) },
    })),
    fetchFrom: (offset) => void (fetched.from = offset),
    heartbeat: async () => 'alive',
  };
  return { batch, fetched };
}
