/**
 * Message topics (what `@EventTopic` and subscriptions name) against Kafka topics (what the brokers
 * hold, e.g. behind an environment prefix), and the dead-letter topic of each Kafka topic. Consumers
 * get the message topic back on every record.
 */
export class TopicNames {
  private readonly messageTopics = new Map<string, string>();

  constructor(
    private readonly kafkaTopicOf: (topic: string) => string,
    private readonly deadLetterTopicOf: (kafkaTopic: string) => string,
  ) {}

  /** The Kafka topic of a message topic. */
  toKafka(topic: string): string {
    const kafkaTopic = this.kafkaTopicOf(topic);
    this.messageTopics.set(kafkaTopic, topic);
    return kafkaTopic;
  }

  /** The message topic of a Kafka topic seen before in {@link toKafka}; else the Kafka name itself. */
  toMessageTopic(kafkaTopic: string): string {
    return this.messageTopics.get(kafkaTopic) ?? kafkaTopic;
  }

  /** The Kafka dead-letter topic of a Kafka topic. */
  deadLetter(kafkaTopic: string): string {
    return this.deadLetterTopicOf(kafkaTopic);
  }
}
