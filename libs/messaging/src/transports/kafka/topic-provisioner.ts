import { Logger } from '@nestjs/common';
import type { KafkaAdminClient } from './kafka-client.js';
import type { KafkaTopicSettings, TopicProvisioning } from './kafka-transport-options.js';

/** Provisioning settings of one Kafka topic, with its mode decided. */
export type TopicPlan = KafkaTopicSettings & { readonly provision: TopicProvisioning };

/**
 * Makes sure Kafka topics exist before they are used: creates missing ones with their configured
 * partitions and replication (`create`), or fails naming them (`verify`), or does nothing (`none`),
 * per topic. Each topic is checked once; a failed check is tried again on the next use.
 */
export class TopicProvisioner {
  private readonly logger = new Logger('KafkaTopics');
  private readonly ensured = new Map<string, Promise<void>>();

  constructor(
    private readonly admin: KafkaAdminClient,
    private readonly planOf: (kafkaTopic: string) => TopicPlan,
  ) {}

  /** Resolves once every topic is provisioned as its plan says; rejects naming what is wrong. */
  async ensure(kafkaTopics: Iterable<string>): Promise<void> {
    const wanted = [...new Set(kafkaTopics)];
    const unchecked = wanted.filter((topic) => !this.ensured.has(topic));
    if (unchecked.length > 0) {
      const check = this.provision(unchecked);
      for (const topic of unchecked) {
        const entry: Promise<void> = check.catch((error: unknown) => {
          if (this.ensured.get(topic) === entry) this.ensured.delete(topic);
          throw error;
        });
        this.ensured.set(topic, entry);
      }
    }
    await Promise.all(wanted.map((topic) => this.ensured.get(topic)));
  }

  private async provision(topics: readonly string[]): Promise<void> {
    const managed = topics.filter((topic) => this.planOf(topic).provision !== 'none');
    if (managed.length === 0) return;
    const existing = await this.admin.partitionCounts(managed);
    const missing = managed.filter((topic) => !existing.has(topic));
    const mustExist = missing.filter((topic) => this.planOf(topic).provision === 'verify');
    if (mustExist.length > 0) {
      throw new Error(
        `Kafka topic${mustExist.length === 1 ? '' : 's'} ${mustExist.map((t) => `'${t}'`).join(', ')} ` +
          `do${mustExist.length === 1 ? 'es' : ''} not exist, and provisioning is 'verify' (create ${
            mustExist.length === 1 ? 'it' : 'them'
          }, or set provision: 'create')`,
      );
    }
    if (missing.length > 0) {
      await this.admin.createTopics(missing.map((topic) => this.specOf(topic)));
      this.logger.log(`Created Kafka topic(s) ${missing.join(', ')}`);
    }
    for (const [topic, partitions] of existing) this.warnOnPartitionMismatch(topic, partitions);
  }

  private specOf(topic: string) {
    const { partitions, replicationFactor } = this.planOf(topic);
    return { topic, partitions, replicationFactor };
  }

  /** A different partition count moves keys to other partitions; say so, but do not refuse to run. */
  private warnOnPartitionMismatch(topic: string, partitions: number): void {
    const wanted = this.planOf(topic).partitions;
    if (wanted !== undefined && wanted !== partitions) {
      this.logger.warn(
        `Kafka topic '${topic}' has ${partitions} partition(s); the options ask for ${wanted}`,
      );
    }
  }
}
