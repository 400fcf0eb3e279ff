export { OutboxModule } from './module/outbox.module.js';
export type { OutboxModuleExtras } from './module/outbox-module-definition.js';
export type {
  OutboxModuleOptions,
  OutboxDatabaseOptions,
  OutboxRelayOptions,
  OutboxNodeOptions,
  OutboxInboxOptions,
  InboxMode,
} from './config/outbox-options.js';
export { OutboxConfigurationError } from './config/outbox-configuration-error.js';
export { OutboxMessagingBridge, type OutboxMessagingOptions } from './module/outbox-messaging-bridge.js';
export { OutboxRuntime } from './module/outbox-runtime.js';
export type { OutboxBacklog } from './outgoing/outgoing-store.js';
export { OUTBOX_DATA_SOURCE } from './module/outbox-data-source.js';

export { Outbox, type OutboxTransactionOptions } from './transactions/outbox.service.js';
export { MessageStoreUnavailableError } from './database/store-unavailable-error.js';
export { CommitOutcomeUnknownError } from './transactions/commit-outcome-unknown-error.js';
export { pgliteDataSource, type PgliteDataSourceOptions } from './database/owned-data-source.js';

export { DeadLetters } from './dead-letters/dead-letters.service.js';
export type { StoredDeadLetter, StoredDeadLetterQuery } from './dead-letters/stored-dead-letter.js';
export { DeadLetterNotFoundError, DeadLetterNotReplayableError } from './dead-letters/dead-letter-errors.js';
export { REPLAY_FOR_HEADER } from './incoming/durable-inbox.js';
export { MessageBusyError } from './incoming/message-busy-error.js';

export { createOutboxMigrations, type OutboxMigration } from './schema/outbox-migrations.js';
