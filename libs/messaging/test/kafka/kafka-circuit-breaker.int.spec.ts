import { describe, expect, it } from '@jest/globals';
import type { CircuitState } from '../../src/transports/kafka/circuit-breaker.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import type { IncomingRecord } from '../../src/transports/message-transport.js';
import { createTopics, testTransportOptions, uniqueSuffix, waitUntil } from './support/kafka-test-kit.js';
import { kafkaResources } from './support/kafka-resources.js';

const COOLDOWN_MS = 2_000;
const RECORDS = 24;

describe('Kafka listener circuit breaker', () => {
  const { transports, topics } = kafkaResources();

  it('pauses consumption when failures pass the threshold, resumes after the cooldown, and closes on success', async () => {
    const topic = `breaker.${uniqueSuffix()}`;
    const groupId = `breaker-${uniqueSuffix()}`;
    topics.push(topic, `${topic}.dlq`);
    await createTopics(topics);

    const transport = new KafkaTransport(
      testTransportOptions({
        consumer: {
          circuitBreaker: {
            windowMs: 30_000,
            minimumCalls: 4,
            failureRateThreshold: 0.5,
            cooldownMs: COOLDOWN_MS,
          },
        },
      }),
    );
    transports.push(transport);
    let downstreamUp = false;
    const starts: number[] = [];
    const handled = new Set<string>();
    const handle = async (record: IncomingRecord) => {
      starts.push(Date.now());
      if (!downstreamUp) throw new Error('downstream unavailable');
      handled.add(record.headers.seq!);
    };
    const changes: { state: CircuitState; at: number }[] = [];
    transport.onCircuitChange((circuit) => {
      expect(circuit).toMatchObject({ groupId, topics: [topic] });
      changes.push({ state: circuit.state, at: Date.now() });
    });
    transport.subscribe({ groupId, topics: [topic], handle });
    await transport.start();
    expect(transport.circuits()).toEqual([{ groupId, topics: [topic], state: 'closed' }]);

    await transport.publish(
      Array.from({ length: RECORDS }, (_, seq) => ({
        topic,
        key: `k${seq % 4}`,
        value: null,
        headers: { seq: String(seq) },
      })),
    );
    await waitUntil(
      () => changes.some((change) => change.state === 'open'),
      () => `the circuit opens; ${starts.length} deliveries so far`,
    );
    expect(transport.circuits()[0]!.state).toBe('open');
    downstreamUp = true;

    await waitUntil(
      () => handled.size === RECORDS,
      () =>
        `${RECORDS} records handled after the cooldown, got ${handled.size}; changes: ${JSON.stringify(changes)}`,
    );
    const opened = changes.find((change) => change.state === 'open')!.at;
    const halfOpen = changes.find((change) => change.state === 'half-open')!.at;
    expect(halfOpen - opened).toBeGreaterThanOrEqual(COOLDOWN_MS - 50);
    // While open, no record was handed to the listener (one may have been starting as it opened).
    expect(starts.filter((at) => at > opened + 20 && at < halfOpen)).toEqual([]);
    expect(changes.map((change) => change.state)).toEqual(['open', 'half-open', 'closed']);
    expect(transport.circuits()[0]!.state).toBe('closed');
  }, 90_000);
});
