import { describe, expect, it } from '@jest/globals';
import { MessagingConfigurationError } from '../../src/errors/messaging-errors.js';
import {
  resolveKafkaTransportOptions,
  type KafkaTransportOptions,
} from '../../src/transports/kafka/kafka-transport-options.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';

const BASE: KafkaTransportOptions = { brokers: ['127.0.0.1:9092'] };

function invalid(options: Record<string, unknown>): string {
  try {
    resolveKafkaTransportOptions({ ...BASE, ...options } as KafkaTransportOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(MessagingConfigurationError);
    return (error as MessagingConfigurationError).option;
  }
  throw new Error(`options accepted: ${JSON.stringify(options)}`);
}

describe('Kafka transport options', () => {
  it('applies the defaults', () => {
    const resolved = resolveKafkaTransportOptions(BASE);
    expect(resolved.name).toBe('kafka');
    expect(resolved.encoding).toBe('binary');
    expect(resolved.connection).toEqual({
      brokers: ['127.0.0.1:9092'],
      clientId: 'momentum',
      ssl: undefined,
      sasl: undefined,
      connectionTimeoutMs: 3_000,
      requestTimeoutMs: 30_000,
    });
    expect(resolved.producer).toMatchObject({
      maxBatchSize: 500,
      lingerMs: 0,
      compression: 'none',
      retries: 5,
    });
    expect(resolved.consumer).toMatchObject({
      partitionsConcurrently: 8,
      maxConcurrentKeys: 8,
      maxConcurrentPerTenant: Number.POSITIVE_INFINITY,
      maxBufferedRecords: 0,
      lookAheadIntervalMs: 200,
      closeTimeoutMs: 10_000,
    });
    expect(resolved.consumer.circuitBreaker).toEqual({
      windowMs: 60_000,
      minimumCalls: 20,
      failureRateThreshold: 0.5,
      cooldownMs: 30_000,
    });
    expect(resolved.topicDefaults).toEqual({ provision: 'create' });
    expect(resolved.deadLetterTopic('orders')).toBe('orders.dlq');
    expect(resolved.topicName('orders')).toBe('orders');
  });

  it('names dead-letter topics by suffix or by function', () => {
    expect(resolveKafkaTransportOptions({ ...BASE, deadLetterSuffix: '-dead' }).deadLetterTopic('t')).toBe(
      't-dead',
    );
    const custom = resolveKafkaTransportOptions({
      ...BASE,
      deadLetterSuffix: '-x',
      deadLetterTopic: (t) => `dlq.${t}`,
    });
    expect(custom.deadLetterTopic('t')).toBe('dlq.t');
  });

  it.each([
    [{ brokers: [] }, 'kafka.brokers'],
    [{ brokers: ['no-port'] }, 'kafka.brokers[0]'],
    [{ clientId: '' }, 'kafka.clientId'],
    [{ name: '' }, 'kafka.name'],
    [{ encoding: 'avro' }, 'kafka.encoding'],
    [{ ssl: 'yes' }, 'kafka.ssl'],
    [{ sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }, 'kafka.sasl.mechanism'],
    [{ sasl: { mechanism: 'plain', username: '', password: 'p' } }, 'kafka.sasl.username'],
    [{ sasl: { mechanism: 'plain', username: 'u' } }, 'kafka.sasl.password'],
    [{ topicName: 'prefix.' }, 'kafka.topicName'],
    [{ deadLetterSuffix: '' }, 'kafka.deadLetterSuffix'],
    [{ producer: { lingerMs: -1 } }, 'kafka.producer.lingerMs'],
    [{ producer: { maxBatchSize: 0 } }, 'kafka.producer.maxBatchSize'],
    [{ producer: { maxBatchSize: 2.5 } }, 'kafka.producer.maxBatchSize'],
    [{ producer: { compression: 'snappy' } }, 'kafka.producer.compression'],
    [{ producer: { retries: -1 } }, 'kafka.producer.retries'],
    [{ producer: { retryInitialDelayMs: 500, retryMaxDelayMs: 100 } }, 'kafka.producer.retryMaxDelayMs'],
    [{ consumer: { partitionsConcurrently: 0 } }, 'kafka.consumer.partitionsConcurrently'],
    [{ consumer: { maxConcurrentKeys: NaN } }, 'kafka.consumer.maxConcurrentKeys'],
    [{ consumer: { maxConcurrentPerTenant: 0 } }, 'kafka.consumer.maxConcurrentPerTenant'],
    [{ consumer: { maxConcurrentPerTenant: 1.5 } }, 'kafka.consumer.maxConcurrentPerTenant'],
    [{ consumer: { maxConcurrentPerTenant: '2' } }, 'kafka.consumer.maxConcurrentPerTenant'],
    [{ consumer: { maxBufferedRecords: -1 } }, 'kafka.consumer.maxBufferedRecords'],
    [{ consumer: { maxBufferedRecords: Infinity } }, 'kafka.consumer.maxBufferedRecords'],
    [{ consumer: { lookAheadIntervalMs: 0 } }, 'kafka.consumer.lookAheadIntervalMs'],
    [
      { consumer: { heartbeatIntervalMs: 10_000, sessionTimeoutMs: 6_000 } },
      'kafka.consumer.heartbeatIntervalMs',
    ],
    [{ consumer: { closeTimeoutMs: -5 } }, 'kafka.consumer.closeTimeoutMs'],
    [{ consumer: { fromBeginning: 'yes' } }, 'kafka.consumer.fromBeginning'],
    [
      { consumer: { circuitBreaker: { failureRateThreshold: 1.5 } } },
      'kafka.consumer.circuitBreaker.failureRateThreshold',
    ],
    [{ consumer: { circuitBreaker: { minimumCalls: 0 } } }, 'kafka.consumer.circuitBreaker.minimumCalls'],
    [{ topicDefaults: { provision: 'maybe' } }, 'kafka.topicDefaults.provision'],
    [{ topics: { orders: { partitions: 0 } } }, 'kafka.topics.orders.partitions'],
    [{ topics: { orders: { replicationFactor: -1 } } }, 'kafka.topics.orders.replicationFactor'],
  ])('rejects %j, naming %s', (options, option) => {
    expect(invalid(options)).toBe(option);
  });

  it('fails at construction, with the option in the message', () => {
    expect(() => new KafkaTransport({ ...BASE, producer: { lingerMs: -1 } })).toThrow(
      "MessagingModule option 'kafka.producer.lingerMs' must be a number ≥ 0 (got -1)",
    );
  });

  it('needs no brokers when another client is given', () => {
    const client = { producer: () => undefined, consumer: () => undefined, admin: () => undefined } as never;
    expect(resolveKafkaTransportOptions({ client }).client).toBe(client);
  });

  it('takes a per-tenant limit and a look-ahead', () => {
    const { consumer } = resolveKafkaTransportOptions({
      ...BASE,
      consumer: { maxConcurrentPerTenant: 2, maxBufferedRecords: 5_000, lookAheadIntervalMs: 50 },
    });
    expect(consumer).toMatchObject({
      maxConcurrentPerTenant: 2,
      maxBufferedRecords: 5_000,
      lookAheadIntervalMs: 50,
    });
  });

  it('turns the circuit breaker off with false', () => {
    expect(
      resolveKafkaTransportOptions({ ...BASE, consumer: { circuitBreaker: false } }).consumer.circuitBreaker,
    ).toBe(false);
  });
});
