import { isIP } from 'node:net';
import type { LogLevel } from '@nestjs/common';

/** Where a service's messages go: the embedded in-memory broker, or Kafka. */
export type BrokerConfig =
  | { readonly kind: 'in-memory' }
  | { readonly kind: 'kafka'; readonly brokers: string[]; readonly topicPrefix: string };

/** Where a service keeps its data and message store: embedded PGlite, or a PostgreSQL server. */
export type DatabaseConfig =
  { readonly kind: 'pglite' } | { readonly kind: 'postgres'; readonly url: string };

/** How a service exports its traces. */
export type TracingConfig =
  | { readonly exporter: 'none' }
  | { readonly exporter: 'console' }
  | { readonly exporter: 'otlp'; readonly endpoint: string };

/** A sample service's configuration, read from environment variables (see the README). */
export interface ServiceConfig {
  readonly host: string;
  readonly port: number;
  /** PostgreSQL schema of the service's tables and message store. */
  readonly schema: string;
  /** PostgreSQL schema of the audit trail, shared by the services (`AUDIT_DB_SCHEMA`). */
  readonly auditSchema: string;
  readonly environment: string;
  readonly logLevels: LogLevel[];
  readonly broker: BrokerConfig;
  readonly database: DatabaseConfig;
  readonly tracing: TracingConfig;
}

/** An environment variable with an invalid value; the message names the variable. */
export class ServiceConfigError extends Error {
  constructor(variable: string, expectation: string, value: string | undefined) {
    super(`${variable} ${expectation} (got '${value ?? ''}')`);
    this.name = 'ServiceConfigError';
  }
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** The variables that differ between services. */
export interface ServiceVariables {
  /** Name of the port variable (`ORDERS_PORT`) and the port without it. */
  readonly port: readonly [variable: string, fallback: number];
  /** Name of the schema variable (`ORDERS_DB_SCHEMA`) and the schema without it. */
  readonly schema: readonly [variable: string, fallback: string];
}

/**
 * Reads and validates a service's environment; throws a {@link ServiceConfigError} naming the first
 * invalid variable.
 */
export function loadServiceConfig(
  service: ServiceVariables,
  env: NodeJS.ProcessEnv = process.env,
): ServiceConfig {
  const [portVariable, defaultPort] = service.port;
  const [schemaVariable, defaultSchema] = service.schema;
  return {
    host: hostOf(env.HOST),
    port: portOf(portVariable, env[portVariable], defaultPort),
    schema: schemaOf(schemaVariable, env[schemaVariable] || defaultSchema),
    auditSchema: schemaOf('AUDIT_DB_SCHEMA', env.AUDIT_DB_SCHEMA || 'audit'),
    environment: environmentOf(env.APP_ENV, env.NODE_ENV),
    logLevels: logLevelsOf(env.LOG_LEVEL),
    broker: brokerOf(env.KAFKA_BROKERS, env.KAFKA_TOPIC_PREFIX),
    database: databaseOf(env.DATABASE_URL),
    tracing: tracingOf(env.OTEL_TRACES_EXPORTER, env.OTEL_EXPORTER_OTLP_ENDPOINT),
  };
}

/**
 * Like {@link loadServiceConfig}, for a service's `main`: an invalid variable ends the process with
 * its one-line message and exit code 1 instead of a stack trace.
 */
export function loadServiceConfigOrExit(
  service: ServiceVariables,
  env: NodeJS.ProcessEnv = process.env,
): ServiceConfig {
  try {
    return loadServiceConfig(service, env);
  } catch (error) {
    if (!(error instanceof ServiceConfigError)) throw error;
    process.stderr.write(`invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
}

/** Checked here, where the variable is known: the messaging module would name only its option. */
function environmentOf(appEnv: string | undefined, nodeEnv: string | undefined): string {
  const [variable, value] = appEnv !== undefined ? ['APP_ENV', appEnv] : ['NODE_ENV', nodeEnv];
  if (value === undefined) return 'development';
  if (!/^[a-zA-Z0-9._-]{1,100}$/.test(value)) {
    throw new ServiceConfigError(variable, 'must be 1-100 characters of [a-zA-Z0-9._-]', value);
  }
  return value;
}

function portOf(variable: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65_535) {
    throw new ServiceConfigError(variable, 'must be a port number 0-65535', value);
  }
  return port;
}

function hostOf(value: string | undefined): string {
  if (!value) return '127.0.0.1';
  const looksNumeric = /^[\d.]+$/.test(value);
  if (isIP(value) === 0 && (looksNumeric || !HOST_NAME.test(value))) {
    throw new ServiceConfigError('HOST', 'must be an IP address or a host name', value);
  }
  return value;
}

function schemaOf(variable: string, value: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
    throw new ServiceConfigError(variable, 'must be a lower-case PostgreSQL identifier', value);
  }
  return value;
}

function logLevelsOf(value: string | undefined): LogLevel[] {
  const level = (value || 'log') as LogLevel;
  if (!LEVELS.includes(level))
    throw new ServiceConfigError('LOG_LEVEL', `must be one of ${LEVELS.join(', ')}`, value);
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

function brokerOf(value: string | undefined, topicPrefix = ''): BrokerConfig {
  if (!value) return { kind: 'in-memory' };
  const brokers = value.split(',').map((broker) => broker.trim());
  if (!brokers.every((broker) => HOST_PORT.test(broker))) {
    throw new ServiceConfigError('KAFKA_BROKERS', 'must be a comma-separated list of host:port', value);
  }
  if (!/^[a-zA-Z0-9._-]{0,100}$/.test(topicPrefix)) {
    throw new ServiceConfigError(
      'KAFKA_TOPIC_PREFIX',
      'must be up to 100 characters of [a-zA-Z0-9._-]',
      topicPrefix,
    );
  }
  return { kind: 'kafka', brokers, topicPrefix };
}

function databaseOf(value: string | undefined): DatabaseConfig {
  if (!value) return { kind: 'pglite' };
  if (!/^postgres(ql)?:\/\/.+/.test(value)) {
    throw new ServiceConfigError('DATABASE_URL', 'must be a postgres:// URL', value);
  }
  return { kind: 'postgres', url: value };
}

function tracingOf(exporter: string | undefined, endpoint: string | undefined): TracingConfig {
  const chosen = exporter || (endpoint ? 'otlp' : 'none');
  if (chosen === 'none' || chosen === 'console') return { exporter: chosen };
  if (chosen !== 'otlp') {
    throw new ServiceConfigError('OTEL_TRACES_EXPORTER', 'must be one of otlp, console, none', exporter);
  }
  if (!endpoint || !URL.canParse(endpoint)) {
    throw new ServiceConfigError(
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'must be a URL when traces are exported with otlp',
      endpoint,
    );
  }
  return { exporter: 'otlp', endpoint };
}
