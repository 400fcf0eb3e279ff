import { OutboxConfigurationError } from './outbox-configuration-error.js';
import type { OutboxModuleOptions } from './outbox-options.js';

/** Lowercase PostgreSQL identifiers that need no quoting; 40 characters leave room for derived names. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

/** Throws an {@link OutboxConfigurationError} naming the first invalid option. */
export function validateOutboxOptions(options: OutboxModuleOptions): void {
  if (options === null || typeof options !== 'object')
    throw new OutboxConfigurationError('(options)', 'must be an object');
  validateDatabase(options);
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema))
    throw new OutboxConfigurationError('schema', `must match ${SCHEMA_NAME} (got '${options.schema}')`);
  const relay = options.relay ?? {};
  positiveInteger('relay.batchSize', relay.batchSize);
  positiveInteger('relay.maxAttempts', relay.maxAttempts);
  for (const name of [
    'pollIntervalMs',
    'retryInitialDelayMs',
    'retryMaxDelayMs',
    'backoffInitialMs',
    'backoffMaxMs',
  ] as const)
    positiveInteger(`relay.${name}`, relay[name]);
  if (relay.lingerMs !== undefined && !(Number.isInteger(relay.lingerMs) && relay.lingerMs >= 0))
    throw new OutboxConfigurationError(
      'relay.lingerMs',
      `must be a whole number of milliseconds ≥ 0 (got ${String(relay.lingerMs)})`,
    );
  const nodes = options.nodes ?? {};
  if (nodes.mode !== undefined && nodes.mode !== 'balanced' && nodes.mode !== 'solo')
    throw new OutboxConfigurationError(
      'nodes.mode',
      `must be 'balanced' or 'solo' (got '${String(nodes.mode)}')`,
    );
  for (const name of [
    'heartbeatIntervalMs',
    'staleAfterMs',
    'schedulePollIntervalMs',
    'leaderPollIntervalMs',
    'recoveryIntervalMs',
  ] as const)
    positiveInteger(`nodes.${name}`, nodes[name]);
  if (
    nodes.heartbeatIntervalMs !== undefined &&
    nodes.staleAfterMs !== undefined &&
    nodes.staleAfterMs <= nodes.heartbeatIntervalMs * 2
  )
    throw new OutboxConfigurationError('nodes.staleAfterMs', 'must exceed twice nodes.heartbeatIntervalMs');
  const inbox = options.inbox ?? {};
  if (inbox.mode !== undefined && inbox.mode !== 'transactional' && inbox.mode !== 'batched')
    throw new OutboxConfigurationError(
      'inbox.mode',
      `must be 'transactional' or 'batched' (got '${String(inbox.mode)}')`,
    );
  for (const name of ['batchSize', 'keepHandledMs', 'purgeIntervalMs', 'purgeBatchSize'] as const)
    positiveInteger(`inbox.${name}`, inbox[name]);
  if (
    options.messageClasses !== undefined &&
    !options.messageClasses.every((cls) => typeof cls === 'function')
  )
    throw new OutboxConfigurationError('messageClasses', 'must be an array of classes');
}

function validateDatabase(options: OutboxModuleOptions): void {
  const given = (['dataSource', 'url', 'pglite'] as const).filter((name) => options[name] !== undefined);
  if (given.length > 1)
    throw new OutboxConfigurationError(given[1]!, `cannot be combined with '${given[0]}'; give one database`);
  if (options.dataSource !== undefined && options.dataSource.options?.type !== 'postgres') {
    throw new OutboxConfigurationError(
      'dataSource',
      `must be a TypeORM DataSource of type 'postgres' (got '${String(options.dataSource.options?.type)}')`,
    );
  }
  if (options.url !== undefined && !/^postgres(ql)?:\/\//.test(options.url))
    throw new OutboxConfigurationError('url', 'must be a postgres:// or postgresql:// URL');
  positiveInteger('poolSize', options.poolSize);
  positiveInteger('connectTimeoutMs', options.connectTimeoutMs);
  if (options.preparedStatements !== undefined && typeof options.preparedStatements !== 'boolean')
    throw new OutboxConfigurationError(
      'preparedStatements',
      `must be true or false (got ${JSON.stringify(options.preparedStatements)})`,
    );
}

function positiveInteger(option: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0))
    throw new OutboxConfigurationError(option, `must be a positive integer (got ${String(value)})`);
}
