import type { KafkaConsumerClient } from './kafka-client.js';

interface DelayedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly until: number;
  readonly timer: NodeJS.Timeout;
}

/**
 * Why one consumer is not fetching from a topic or partition. Kept here rather than left to the
 * client because two reasons overlap (a listener's open circuit pauses its topics while a partition
 * waits to redeliver a failed record), lifting one must not lift the other, and kafkajs forgets its
 * pauses when it restarts after a crash.
 */
export class FetchPauses {
  private readonly pausedTopics = new Set<string>();
  private readonly delayed = new Map<string, DelayedPartition>();

  constructor(private readonly consumer: Pick<KafkaConsumerClient, 'pause' | 'resume'>) {}

  /** Stops fetching from the topics until {@link resumeTopics}. */
  pauseTopics(topics: readonly string[]): void {
    topics.forEach((topic) => this.pausedTopics.add(topic));
    this.consumer.pause(topics.map((topic) => ({ topic })));
  }

  /** Fetches from the topics again, except partitions still waiting out a delay. */
  resumeTopics(topics: readonly string[]): void {
    topics.forEach((topic) => this.pausedTopics.delete(topic));
    this.consumer.resume(topics.map((topic) => ({ topic })));
    for (const delay of this.delayed.values()) {
      if (topics.includes(delay.topic)) this.pausePartition(delay.topic, delay.partition);
    }
  }

  /** Stops fetching from one partition for `ms` (or longer, if it already waits longer). */
  delayPartition(topic: string, partition: number, ms: number): void {
    const key = `${topic}\u0000${partition}`;
    const until = Date.now() + ms;
    const current = this.delayed.get(key);
    if (current && current.until >= until) return;
    clearTimeout(current?.timer);
    const timer = setTimeout(() => this.endDelay(key), ms);
    this.delayed.set(key, { topic, partition, until, timer });
    this.pausePartition(topic, partition);
  }

  /** Whether fetching from the topics is paused. */
  topicsPaused(topics: readonly string[]): boolean {
    return topics.some((topic) => this.pausedTopics.has(topic));
  }

  /** Applies every pause again, after the client lost them by restarting. */
  reapply(): void {
    if (this.pausedTopics.size > 0) this.consumer.pause([...this.pausedTopics].map((topic) => ({ topic })));
    for (const delay of this.delayed.values()) this.pausePartition(delay.topic, delay.partition);
  }

  /** Cancels the delays' timers; used when the consumer goes away. */
  clear(): void {
    for (const delay of this.delayed.values()) clearTimeout(delay.timer);
    this.delayed.clear();
  }

  private endDelay(key: string): void {
    const delay = this.delayed.get(key);
    if (!delay) return;
    this.delayed.delete(key);
    // Resuming one partition of a paused topic would let that partition through the topic's pause.
    if (!this.pausedTopics.has(delay.topic))
      this.consumer.resume([{ topic: delay.topic, partitions: [delay.partition] }]);
  }

  private pausePartition(topic: string, partition: number): void {
    this.consumer.pause([{ topic, partitions: [partition] }]);
  }
}
