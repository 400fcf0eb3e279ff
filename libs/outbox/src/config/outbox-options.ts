import type { MessageClass } from '@momentum/messaging';
import type { DataSource } from 'typeorm';

/** Where the message store lives: exactly one of these, or none for an in-memory PGlite database. */
export interface OutboxDatabaseOptions {
  /** A TypeORM DataSource of type `postgres`. Initialized by the module if it is not yet; never destroyed by it. */
  readonly dataSource?: DataSource;
  /** A `postgres://` URL; the module builds, owns and destroys a DataSource for it. */
  readonly url?: string;
  /**
   * The embedded database (PGlite): `{}` or `{ dataDir: undefined }` keeps it in memory, `{ dataDir: './data' }`
   * keeps it in a directory. This is the default when neither `dataSource` nor `url` is given.
   */
  readonly pglite?: { readonly dataDir?: string };
  /** Connections of a DataSource built from `url`. Default 10. */
  readonly poolSize?: number;
  /** How long a new connection may take before publishing fails with `MessageStoreUnavailableError`. Default 5,000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * Run the outbox's and inbox's frequent statements inside a transaction (the outbox `INSERT`, inbox
   * and durable-queue marks, the relay's `DELETE`) as prepared statements, parsed and planned once per
   * connection. Default true. Turn it off behind a pooler in transaction mode that does not keep
   * prepared statements (PgBouncer before 1.21, or with `max_prepared_statements` 0). Prepared,
   * they do not pass through TypeORM's query logger.
   */
  readonly preparedStatements?: boolean;
}

/** The relay that moves committed outbox rows to their transport. */
export interface OutboxRelayOptions {
  /** Run a relay in this process (default true). Several processes may run one; they share the work. */
  readonly enabled?: boolean;
  /** Rows claimed per batch. Default 500. */
  readonly batchSize?: number;
  /** Polling fallback when no wake-up arrives. Default 1,000 ms. */
  readonly pollIntervalMs?: number;
  /**
   * After a wake-up, wait this long before claiming, so commits arriving close together leave in
   * one batch (one relay transaction) instead of one each. Default 5 ms; 0 claims at once.
   */
  readonly lingerMs?: number;
  /** A row that failed this many publish attempts is dead-lettered with the last error. Default 10. */
  readonly maxAttempts?: number;
  /** Delay before a failed row is tried again, doubled per attempt up to `retryMaxDelayMs`. Default 1,000 ms. */
  readonly retryInitialDelayMs?: number;
  /** Default 300,000 ms. */
  readonly retryMaxDelayMs?: number;
  /** Pause after a batch in which nothing could be sent, doubled per such batch up to `backoffMaxMs`. Default 100 ms. */
  readonly backoffInitialMs?: number;
  /** Default 30,000 ms. */
  readonly backoffMaxMs?: number;
}

/** Node registry, leadership and the leader's background work. */
export interface OutboxNodeOptions {
  /**
   * `balanced` (default): nodes elect a leader with a PostgreSQL advisory lock; the leader releases
   * scheduled messages, reclaims rows of dead nodes and purges handled rows. `solo`: this node
   * does all of it without an election (development and tests; one process only). The embedded
   * database is always solo.
   */
  readonly mode?: 'balanced' | 'solo';
  /** How often a node records that it is alive. Default 5,000 ms. */
  readonly heartbeatIntervalMs?: number;
  /** A node silent for this long is considered dead and its rows are reclaimed. Default 30,000 ms. */
  readonly staleAfterMs?: number;
  /** How often the leader releases due scheduled messages. Default 1,000 ms. */
  readonly schedulePollIntervalMs?: number;
  /** How often a non-leader tries to become leader. Default 5,000 ms. */
  readonly leaderPollIntervalMs?: number;
  /**
   * How often every node (leader or not) looks for durable-queue messages that were stored but are
   * no longer running anywhere (their node died or was ejected, or left them at shutdown) and runs
   * them. Default 5,000 ms.
   */
  readonly recoveryIntervalMs?: number;
}

/**
 * How the durable inbox records consumed messages.
 *
 * - `transactional` (default): one transaction per delivery holds the inbox row, the handlers'
 *   writes (through `outbox.currentManager()`), the messages they publish (outbox rows) and the
 *   handled mark, so a handler writing to this database applies a message effectively once.
 * - `batched`: concurrent deliveries share statements: one multi-row insert claims the messages
 *   (duplicates already handled are discarded), the handlers run outside any transaction, and one
 *   statement marks a batch handled. Much higher consume throughput, but a handler's writes no longer
 *   commit with its mark: a crash between them runs the handler again on redelivery, so handlers must
 *   be idempotent, and messages they publish go straight to the transport unless they open
 *   `outbox.transaction()` themselves. A delivery of a message another node is handling right now
 *   is redelivered later (then discarded once that node marked it); claims of a dead node are taken
 *   over once it is no longer registered.
 */
export type InboxMode = 'transactional' | 'batched';

/** The durable inbox and retention of handled inbox and durable-queue rows. */
export interface OutboxInboxOptions {
  /** See {@link InboxMode}. Default `transactional`. */
  readonly mode?: InboxMode;
  /** With `mode: 'batched'`, most messages claimed or marked by one statement. Default 500. */
  readonly batchSize?: number;
  /** How long a handled row is kept to recognise redeliveries. Default 300,000 ms (5 minutes). */
  readonly keepHandledMs?: number;
  /** How often the leader purges expired handled rows. Default 60,000 ms. */
  readonly purgeIntervalMs?: number;
  /** Rows deleted per purge statement. Default 5,000. */
  readonly purgeBatchSize?: number;
}

/** Options of `OutboxModule.forRoot` / `forRootAsync`. */
export interface OutboxModuleOptions extends OutboxDatabaseOptions {
  /** PostgreSQL schema of the store tables. Default `momentum`. */
  readonly schema?: string;
  /**
   * Create the schema and tables at startup if they are missing (development). Default true for the
   * embedded database, false otherwise: run the shipped migrations (`createOutboxMigrations`) instead.
   */
  readonly autoCreate?: boolean;
  /**
   * In a process that runs no relay (`relay.enabled: false`), send a `NOTIFY` after a transaction that
   * wrote outbox rows commits (at most one per transaction, coalesced, outside the transaction) so
   * relays in other processes wake at once. A process with a relay wakes it in process. Default true.
   */
  readonly notify?: boolean;
  readonly relay?: OutboxRelayOptions;
  readonly nodes?: OutboxNodeOptions;
  readonly inbox?: OutboxInboxOptions;
  /**
   * Message classes that stored messages (scheduled, durable-queue) may be rebuilt as after a restart.
   * Classes this process schedules or enqueues are learned automatically.
   */
  readonly messageClasses?: readonly MessageClass[];
  /** Enlist in `@nestjs-cls/transactional` transactions (`TransactionHost`) when that package is set up. Default true. */
  readonly useTransactionHost?: boolean;
}
