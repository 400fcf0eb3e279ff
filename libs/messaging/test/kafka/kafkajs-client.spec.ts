import { describe, expect, it } from '@jest/globals';
import kafkajs from 'kafkajs';
import {
  resolveKafkaTransportOptions,
  type KafkaTransportOptions,
} from '../../src/transports/kafka/kafka-transport-options.js';
import { kafkajsConfig, kafkajsFailureCause } from '../../src/transports/kafka/kafkajs-client.js';

const BASE: KafkaTransportOptions = { brokers: ['127.0.0.1:9092'] };

describe('kafkajs configuration', () => {
  function configOf(options: Partial<KafkaTransportOptions>) {
    return kafkajsConfig(resolveKafkaTransportOptions({ ...BASE, ...options }).connection);
  }

  it('passes brokers, client id and timeouts', () => {
    expect(
      configOf({ brokers: ['a:1', 'b:2'], clientId: 'billing', connectionTimeoutMs: 5, requestTimeoutMs: 7 }),
    ).toMatchObject({
      brokers: ['a:1', 'b:2'],
      clientId: 'billing',
      connectionTimeout: 5,
      requestTimeout: 7,
    });
  });

  it('passes TLS as given: on, or Node tls options', () => {
    expect(configOf({ ssl: true }).ssl).toBe(true);
    const tls = {
      ca: ['-----BEGIN CERTIFICATE-----'],
      servername: 'kafka.internal',
      rejectUnauthorized: true,
    };
    expect(configOf({ ssl: tls }).ssl).toEqual(tls);
    expect(configOf({}).ssl).toBeUndefined();
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('passes SASL %s', (mechanism) => {
    expect(configOf({ sasl: { mechanism, username: 'svc', password: 's3cret' } }).sasl).toEqual({
      mechanism,
      username: 'svc',
      password: 's3cret',
    });
  });
});

describe('kafkajs failures', () => {
  const {
    KafkaJSConnectionError,
    KafkaJSNonRetriableError,
    KafkaJSNumberOfRetriesExceeded,
    KafkaJSProtocolError,
  } = kafkajs as unknown as Record<string, new (...args: unknown[]) => Error & { retriable: boolean }>;

  it('finds the retriable connection error inside the wrappers of nested kafkajs retriers', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9094');
    const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 1, retryTime: 100 });
    const outer = new KafkaJSNonRetriableError(exhausted, { cause: refused });
    expect(outer.retriable).toBe(false);
    expect(kafkajsFailureCause(outer)).toBe(refused);
    expect(kafkajsFailureCause(exhausted)).toBe(refused);
    expect((kafkajsFailureCause(outer) as { retriable: boolean }).retriable).toBe(true);
  });

  it('keeps errors that cannot be retried as they are', () => {
    const tooLarge = new KafkaJSProtocolError({
      message: 'The request included a message larger than the max message size',
      retriable: false,
      type: 'MESSAGE_TOO_LARGE',
    });
    expect(
      (
        kafkajsFailureCause(new KafkaJSNonRetriableError(tooLarge, { cause: tooLarge })) as {
          retriable: boolean;
        }
      ).retriable,
    ).toBe(false);
    const invalid = new KafkaJSNonRetriableError('Invalid topic');
    expect(kafkajsFailureCause(invalid)).toBe(invalid);
  });
});
