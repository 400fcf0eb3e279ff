import { Inject, Injectable } from '@nestjs/common';
import type { MessagingModuleOptions } from '@momentum/messaging';
import { PostgresDeadLetterStore } from '../dead-letters/postgres-dead-letter-store.js';
import { DurableInbox } from '../incoming/durable-inbox.js';
import { OutboxTransactionMiddleware } from '../incoming/outbox-transaction.middleware.js';
import { PostgresDurableQueueStore } from '../incoming/postgres-durable-queue-store.js';
import { OutboxSink } from '../outgoing/outbox-sink.js';
import { PostgresScheduler } from '../scheduling/postgres-scheduler.js';

/** The bus options the outbox module supplies. */
export type OutboxMessagingOptions = Required<
  Pick<
    MessagingModuleOptions,
    'outbox' | 'inbox' | 'durableQueueStore' | 'deadLetterStore' | 'scheduler' | 'middleware'
  >
>;

/**
 * What plugs the outbox module into the bus. Inject it into `MessagingModule.forRootAsync`:
 *
 * ```ts
 * MessagingModule.forRootAsync({
 *   imports: [OutboxModule.forRoot({ url: process.env.DATABASE_URL })],
 *   inject: [OutboxMessagingBridge],
 *   useFactory: (outbox: OutboxMessagingBridge) => outbox.messagingOptions({ serviceName: 'orders' }),
 * })
 * ```
 *
 * `{ serviceName: 'orders', ...outbox.messagingOptions() }` works too, as long as your own
 * `middleware` (if any) keeps the outbox's: pass it through `messagingOptions({ middleware })`.
 */
@Injectable()
export class OutboxMessagingBridge {
  constructor(
    @Inject(OutboxSink) private readonly sink: OutboxSink,
    @Inject(DurableInbox) private readonly inbox: DurableInbox,
    @Inject(PostgresDurableQueueStore) private readonly queues: PostgresDurableQueueStore,
    @Inject(PostgresDeadLetterStore) private readonly deadLetters: PostgresDeadLetterStore,
    @Inject(PostgresScheduler) private readonly scheduler: PostgresScheduler,
    @Inject(OutboxTransactionMiddleware) private readonly middleware: OutboxTransactionMiddleware,
  ) {}

  /** The outbox's bus options, merged into `base` (the outbox's middleware runs before `base.middleware`). */
  messagingOptions(): OutboxMessagingOptions;
  messagingOptions<T extends Partial<MessagingModuleOptions>>(
    base: T,
  ): Omit<T, keyof OutboxMessagingOptions> & OutboxMessagingOptions;
  messagingOptions(
    base: Partial<MessagingModuleOptions> = {},
  ): Partial<MessagingModuleOptions> & OutboxMessagingOptions {
    return {
      ...base,
      outbox: this.sink,
      inbox: this.inbox,
      durableQueueStore: this.queues,
      deadLetterStore: this.deadLetters,
      scheduler: this.scheduler,
      middleware: [this.middleware, ...(base.middleware ?? [])],
    };
  }
}
