import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { KafkaTopicPartitions } from '../../src/transports/kafka/kafka-client.js';
import { FetchPauses } from '../../src/transports/kafka/fetch-pauses.js';

/** Records pause and resume calls the way a consumer client receives them. */
class FakeConsumer {
  readonly calls: string[] = [];
  pause(partitions: readonly KafkaTopicPartitions[]): void {
    this.calls.push(...partitions.map((p) => `pause ${label(p)}`));
  }
  resume(partitions: readonly KafkaTopicPartitions[]): void {
    this.calls.push(...partitions.map((p) => `resume ${label(p)}`));
  }
}

function label(partitions: KafkaTopicPartitions): string {
  return partitions.partitions ? `${partitions.topic}[${partitions.partitions.join(',')}]` : partitions.topic;
}

describe('FetchPauses', () => {
  let consumer: FakeConsumer;
  let pauses: FetchPauses;
  beforeEach(() => {
    jest.useFakeTimers();
    consumer = new FakeConsumer();
    pauses = new FetchPauses(consumer);
  });
  afterEach(() => {
    pauses.clear();
    jest.useRealTimers();
  });

  it('pauses a partition for a delay, then resumes it', () => {
    pauses.delayPartition('t', 2, 1_000);
    expect(consumer.calls).toEqual(['pause t[2]']);
    jest.advanceTimersByTime(999);
    expect(consumer.calls).toEqual(['pause t[2]']);
    jest.advanceTimersByTime(1);
    expect(consumer.calls).toEqual(['pause t[2]', 'resume t[2]']);
  });

  it('keeps the longer of two delays', () => {
    pauses.delayPartition('t', 0, 1_000);
    pauses.delayPartition('t', 0, 200);
    jest.advanceTimersByTime(500);
    expect(consumer.calls).not.toContain('resume t[0]');
    jest.advanceTimersByTime(500);
    expect(consumer.calls).toContain('resume t[0]');
  });

  it('does not let a partition through its paused topic when its delay ends', () => {
    pauses.pauseTopics(['t']);
    pauses.delayPartition('t', 1, 100);
    jest.advanceTimersByTime(100);
    expect(consumer.calls).toEqual(['pause t', 'pause t[1]']);
    expect(pauses.topicsPaused(['t'])).toBe(true);
  });

  it('keeps a delayed partition paused when its topic resumes', () => {
    pauses.delayPartition('t', 1, 1_000);
    pauses.pauseTopics(['t']);
    pauses.resumeTopics(['t']);
    expect(consumer.calls).toEqual(['pause t[1]', 'pause t', 'resume t', 'pause t[1]']);
    jest.advanceTimersByTime(1_000);
    expect(consumer.calls[consumer.calls.length - 1]).toBe('resume t[1]');
  });

  it('applies every pause again after the client lost them', () => {
    pauses.pauseTopics(['a']);
    pauses.delayPartition('b', 3, 1_000);
    consumer.calls.length = 0;
    pauses.reapply();
    expect(consumer.calls).toEqual(['pause a', 'pause b[3]']);
  });
});
