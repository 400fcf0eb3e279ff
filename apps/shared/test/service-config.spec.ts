import { describe, expect, it, jest } from '@jest/globals';
import {
  loadServiceConfig,
  loadServiceConfigOrExit,
  ServiceConfigError,
} from '../src/config/service-config.js';

const ORDERS = { port: ['ORDERS_PORT', 3000], schema: ['ORDERS_DB_SCHEMA', 'orders'] } as const;

describe('service configuration from the environment', () => {
  it('defaults to the embedded broker and database', () => {
    expect(loadServiceConfig(ORDERS, {})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      schema: 'orders',
      auditSchema: 'audit',
      environment: 'development',
      logLevels: ['fatal', 'error', 'warn', 'log'],
      broker: { kind: 'in-memory' },
      database: { kind: 'pglite' },
      tracing: { exporter: 'none' },
    });
  });

  it('uses Kafka, PostgreSQL and OTLP when their variables are set', () => {
    const config = loadServiceConfig(ORDERS, {
      ORDERS_PORT: '4000',
      HOST: '0.0.0.0',
      KAFKA_BROKERS: 'k1:9092, k2:9093',
      KAFKA_TOPIC_PREFIX: 'staging.',
      DATABASE_URL: 'postgres://app@db:5432/orders',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      APP_ENV: 'staging',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 4000,
      environment: 'staging',
      logLevels: ['fatal', 'error', 'warn'],
      broker: { kind: 'kafka', brokers: ['k1:9092', 'k2:9093'], topicPrefix: 'staging.' },
      database: { kind: 'postgres', url: 'postgres://app@db:5432/orders' },
      tracing: { exporter: 'otlp', endpoint: 'http://collector:4318' },
    });
  });

  it.each([
    [{ ORDERS_PORT: 'eighty' }, /^ORDERS_PORT must be a port number/],
    [{ ORDERS_PORT: '0x10' }, /^ORDERS_PORT must be a port number/],
    [{ HOST: '999.1.1.1' }, /^HOST must be an IP address or a host name/],
    [{ HOST: 'bad host' }, /^HOST must be/],
    [{ ORDERS_DB_SCHEMA: 'Orders; drop' }, /^ORDERS_DB_SCHEMA must be a lower-case PostgreSQL identifier/],
    [{ AUDIT_DB_SCHEMA: 'a-b' }, /^AUDIT_DB_SCHEMA must be a lower-case PostgreSQL identifier/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ KAFKA_BROKERS: 'localhost' }, /^KAFKA_BROKERS must be a comma-separated list of host:port/],
    [{ KAFKA_BROKERS: 'k:1', KAFKA_TOPIC_PREFIX: 'a b' }, /^KAFKA_TOPIC_PREFIX must be/],
    [{ DATABASE_URL: 'mysql://db' }, /^DATABASE_URL must be a postgres:\/\/ URL/],
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, /^OTEL_TRACES_EXPORTER must be one of otlp, console, none/],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, /^OTEL_EXPORTER_OTLP_ENDPOINT must be a URL/],
    [{ APP_ENV: '' }, /^APP_ENV must be 1-100 characters of \[a-zA-Z0-9._-\] \(got ''\)/],
    [{ APP_ENV: 'my env' }, /^APP_ENV must be/],
    [{ APP_ENV: '', NODE_ENV: 'production' }, /^APP_ENV must be/],
    [{ NODE_ENV: 'prod/eu' }, /^NODE_ENV must be/],
    [{ APP_ENV: 'e'.repeat(101) }, /^APP_ENV must be/],
  ])('names the variable of an invalid value: %j', (env, message) => {
    expect(() => loadServiceConfig(ORDERS, env)).toThrow(ServiceConfigError);
    expect(() => loadServiceConfig(ORDERS, env)).toThrow(message);
  });

  it('takes the environment from APP_ENV, else NODE_ENV', () => {
    expect(loadServiceConfig(ORDERS, { NODE_ENV: 'production' }).environment).toBe('production');
    expect(loadServiceConfig(ORDERS, { APP_ENV: 'eu-1.staging', NODE_ENV: 'production' }).environment).toBe(
      'eu-1.staging',
    );
  });

  it("prints an invalid variable's message as one line and exits with code 1 when asked to", () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => loadServiceConfigOrExit(ORDERS, { APP_ENV: '' })).toThrow('exit 1');
      expect(write.mock.calls).toEqual([
        ["invalid configuration: APP_ENV must be 1-100 characters of [a-zA-Z0-9._-] (got '')\n"],
      ]);
      expect(loadServiceConfigOrExit(ORDERS, {}).port).toBe(3000);
      expect(exit).toHaveBeenCalledTimes(1);
    } finally {
      exit.mockRestore();
      write.mockRestore();
    }
  });
});
