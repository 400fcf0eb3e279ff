import { Module } from '@nestjs/common';
import { resolveOutboxOptions, type ResolvedOutboxOptions } from '../config/resolved-options.js';
import type { OutboxModuleOptions } from '../config/outbox-options.js';
import { DeadLetters } from '../dead-letters/dead-letters.service.js';
import { PostgresDeadLetterStore } from '../dead-letters/postgres-dead-letter-store.js';
import { DurableInbox } from '../incoming/durable-inbox.js';
import { DurableQueueGates } from '../incoming/durable-queue-gates.js';
import { MessageClasses } from '../incoming/message-classes.js';
import { OutboxTransactionMiddleware } from '../incoming/outbox-transaction.middleware.js';
import { PostgresDurableQueueStore } from '../incoming/postgres-durable-queue-store.js';
import { NodeIdentity } from '../nodes/node-identity.js';
import { OutboxSink } from '../outgoing/outbox-sink.js';
import { MessageStore } from '../schema/message-store.js';
import { PostgresScheduler } from '../scheduling/postgres-scheduler.js';
import { Outbox } from '../transactions/outbox.service.js';
import { TransactionHostLookup } from '../transactions/transaction-host-lookup.js';
import { TransactionScopes } from '../transactions/transaction-scopes.js';
import { OUTBOX_DATA_SOURCE, outboxDataSourceProvider } from './outbox-data-source.js';
import { OutboxMessagingBridge } from './outbox-messaging-bridge.js';
import { OUTBOX_MODULE_OPTIONS, OutboxConfigurableModule } from './outbox-module-definition.js';
import { OutboxRuntime } from './outbox-runtime.js';
import { RESOLVED_OUTBOX_OPTIONS } from './outbox-tokens.js';
import { storeProviders } from './store-database.provider.js';

/**
 * The message store of `@momentum/messaging` on PostgreSQL (or embedded PGlite): transactional
 * outbox and relay, durable inbox and local queues, scheduled messages, dead letters, node
 * ownership. `OutboxModule.forRoot(options)` or `forRootAsync({ useFactory, inject })`; invalid
 * options fail at startup with an `OutboxConfigurationError` naming the option. Plug it into the
 * bus with {@link OutboxMessagingBridge} (one line in `MessagingModule.forRootAsync`). Global by default.
 */
@Module({
  providers: [
    { provide: RESOLVED_OUTBOX_OPTIONS, inject: [OUTBOX_MODULE_OPTIONS], useFactory: resolveOutboxOptions },
    ...storeProviders,
    outboxDataSourceProvider,
    { provide: TransactionScopes, useFactory: () => new TransactionScopes() },
    { provide: TransactionHostLookup, useFactory: () => new TransactionHostLookup() },
    { provide: NodeIdentity, useFactory: () => new NodeIdentity() },
    { provide: DurableQueueGates, useFactory: () => new DurableQueueGates() },
    {
      provide: MessageClasses,
      inject: [RESOLVED_OUTBOX_OPTIONS],
      useFactory: (o: ResolvedOutboxOptions) => new MessageClasses(o.messageClasses),
    },
    Outbox,
    OutboxSink,
    DurableInbox,
    PostgresDurableQueueStore,
    PostgresDeadLetterStore,
    PostgresScheduler,
    OutboxTransactionMiddleware,
    DeadLetters,
    OutboxMessagingBridge,
    OutboxRuntime,
  ],
  exports: [Outbox, DeadLetters, OutboxMessagingBridge, OutboxRuntime, MessageStore, OUTBOX_DATA_SOURCE],
})
export class OutboxModule extends OutboxConfigurableModule {}

export type { OutboxModuleOptions };
