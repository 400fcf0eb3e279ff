import type { MessageClass } from '@momentum/messaging';
import type { DataSource } from 'typeorm';
import type { OutboxModuleOptions } from './outbox-options.js';
import { validateOutboxOptions } from './options-validation.js';

/** Where the store lives, after validation. */
export type DatabaseTarget =
  | { readonly kind: 'data-source'; readonly dataSource: DataSource }
  | {
      readonly kind: 'url';
      readonly url: string;
      readonly poolSize: number;
      readonly connectTimeoutMs: number;
    }
  | { readonly kind: 'pglite'; readonly dataDir?: string };

/** Outbox options after validation, with every default applied. */
export interface ResolvedOutboxOptions {
  readonly database: DatabaseTarget;
  readonly schema: string;
  readonly autoCreate: boolean;
  readonly notify: boolean;
  readonly preparedStatements: boolean;
  readonly relay: Required<OutboxRelayDefaults>;
  readonly nodes: Required<OutboxNodeDefaults>;
  readonly inbox: Required<OutboxInboxDefaults>;
  readonly messageClasses: readonly MessageClass[];
  readonly useTransactionHost: boolean;
}

type OutboxRelayDefaults = NonNullable<OutboxModuleOptions['relay']>;
type OutboxNodeDefaults = NonNullable<OutboxModuleOptions['nodes']>;
type OutboxInboxDefaults = NonNullable<OutboxModuleOptions['inbox']>;

/** Defaults of the relay. */
export const RELAY_DEFAULTS: Required<OutboxRelayDefaults> = {
  enabled: true,
  batchSize: 500,
  pollIntervalMs: 1_000,
  lingerMs: 5,
  maxAttempts: 10,
  retryInitialDelayMs: 1_000,
  retryMaxDelayMs: 300_000,
  backoffInitialMs: 100,
  backoffMaxMs: 30_000,
};

/** Defaults of node handling. */
export const NODE_DEFAULTS: Required<OutboxNodeDefaults> = {
  mode: 'balanced',
  heartbeatIntervalMs: 5_000,
  staleAfterMs: 30_000,
  schedulePollIntervalMs: 1_000,
  leaderPollIntervalMs: 5_000,
  recoveryIntervalMs: 5_000,
};

/** Defaults of the inbox and its retention. */
export const INBOX_DEFAULTS: Required<OutboxInboxDefaults> = {
  mode: 'transactional',
  batchSize: 500,
  keepHandledMs: 300_000,
  purgeIntervalMs: 60_000,
  purgeBatchSize: 5_000,
};

/** Validates `options` (throwing `OutboxConfigurationError` naming the option) and applies defaults. */
export function resolveOutboxOptions(options: OutboxModuleOptions): ResolvedOutboxOptions {
  validateOutboxOptions(options);
  const database = databaseTarget(options);
  return {
    database,
    schema: options.schema ?? 'momentum',
    autoCreate: options.autoCreate ?? database.kind === 'pglite',
    notify: options.notify ?? true,
    preparedStatements: options.preparedStatements ?? true,
    relay: { ...RELAY_DEFAULTS, ...options.relay },
    nodes: { ...NODE_DEFAULTS, ...options.nodes },
    inbox: { ...INBOX_DEFAULTS, ...options.inbox },
    messageClasses: options.messageClasses ?? [],
    useTransactionHost: options.useTransactionHost ?? true,
  };
}

function databaseTarget(options: OutboxModuleOptions): DatabaseTarget {
  if (options.dataSource) return { kind: 'data-source', dataSource: options.dataSource };
  if (options.url) {
    return {
      kind: 'url',
      url: options.url,
      poolSize: options.poolSize ?? 10,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    };
  }
  return { kind: 'pglite', dataDir: options.pglite?.dataDir };
}
