import type {
  DataSource,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { pipeliningClientOf, type PipeliningClient } from '../database/pipelined-commit.js';
import { commitFailure } from './commit-outcome-unknown-error.js';
import { depthOf, TransactionScope, type TransactionOutcome } from './transaction-scope.js';

/** Writes the rows a scope holds into its transaction: before TypeORM commits it, or with the commit. */
export interface ScopeWriter {
  /** Writes the held rows, just before the transaction commits. */
  flush(scope: TransactionScope): Promise<void>;
  /** Writes the rows `scope` holds, if any, and commits, in one round trip on `client`. */
  flushAndCommit(scope: TransactionScope | undefined, client: PipeliningClient): Promise<void>;
}

/**
 * Tracks a {@link TransactionScope} per open TypeORM transaction, whoever opened it (the module, an
 * explicit `EntityManager`, `@nestjs-cls/transactional`), by subscribing to the transaction events of
 * each DataSource involved: before the commit it flushes the scope's outbox rows into the
 * transaction, and it follows savepoints so rows enlisted in a rolled-back savepoint are dropped.
 * Transactions must be ended through TypeORM (`commitTransaction`, `transaction()`), not raw SQL.
 */
export class TransactionScopes implements EntitySubscriberInterface {
  private readonly scopes = new WeakMap<QueryRunner, TransactionScope>();
  private readonly subscribed = new WeakSet<DataSource>();
  private readonly commitListeners: ((scope: TransactionScope) => void)[] = [];
  private writer?: ScopeWriter;
  /** Transactions committed by {@link commit}: it writes their rows after the commit events. */
  private readonly selfCommitting = new WeakSet<QueryRunner>();

  /** Sets what writes a scope's held rows (the outbox sink). */
  writeWith(writer: ScopeWriter): void {
    this.writer = writer;
  }

  /** The scope of `queryRunner`'s open transaction, created on first use. */
  scopeOf(queryRunner: QueryRunner): TransactionScope {
    this.subscribe(queryRunner.connection);
    let scope = this.scopes.get(queryRunner);
    if (!scope) {
      scope = new TransactionScope(queryRunner);
      this.scopes.set(queryRunner, scope);
      this.endOnRelease(queryRunner);
    }
    return scope;
  }

  /**
   * Commits `queryRunner`'s transaction as `commitTransaction` does (same subscriber events), but
   * when its node-postgres client can pipeline, the outbox rows' INSERT and the COMMIT go in one
   * round trip: the outbox then costs a transaction no wait of its own. The rows are taken after
   * every `beforeTransactionCommit` subscriber has finished, so messages those publish are written
   * too. When the commit fails the transaction is still open to TypeORM: the caller rolls it back.
   * A connection lost during the commit rejects with a `CommitOutcomeUnknownError`: the server may
   * have committed, so the caller must not end the scope as rolled back.
   */
  async commit(queryRunner: QueryRunner): Promise<void> {
    const client = pipeliningClientOf(queryRunner);
    if (!this.writer || !client || depthOf(queryRunner) !== 1)
      return queryRunner.commitTransaction().catch((error: unknown) => {
        throw commitFailure(error);
      });
    this.selfCommitting.add(queryRunner);
    try {
      await queryRunner.broadcaster.broadcast('BeforeTransactionCommit');
      await this.writer.flushAndCommit(this.scopes.get(queryRunner), client).catch((error: unknown) => {
        throw commitFailure(error);
      });
    } finally {
      this.selfCommitting.delete(queryRunner);
    }
    const ended = queryRunner as unknown as { isTransactionActive: boolean; transactionDepth: number };
    ended.isTransactionActive = false;
    ended.transactionDepth = 0;
    await queryRunner.broadcaster.broadcast('AfterTransactionCommit');
  }

  /** Calls `listener` after each top-level commit of a transaction the outbox took part in. */
  onCommit(listener: (scope: TransactionScope) => void): void {
    this.commitListeners.push(listener);
  }

  /**
   * Ends the scope of `queryRunner` when no TypeORM event will: the rollback could not even be sent
   * (the connection is gone), or the commit's outcome is unknown.
   */
  end(queryRunner: QueryRunner, outcome: TransactionOutcome): void {
    const scope = this.scopes.get(queryRunner);
    if (!scope) return;
    this.scopes.delete(queryRunner);
    if (scope.finish(outcome) && outcome === 'committed')
      for (const listener of this.commitListeners) listener(scope);
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const scope = this.scopes.get(event.queryRunner);
    if (!scope) return;
    const depth = depthOf(event.queryRunner);
    if (depth > 1) scope.savepointReleased(depth);
    else if (!this.selfCommitting.has(event.queryRunner)) await this.writer?.flush(scope);
  }

  beforeTransactionRollback(event: TransactionRollbackEvent): void {
    const depth = depthOf(event.queryRunner);
    if (depth > 1) this.scopes.get(event.queryRunner)?.savepointRolledBack(depth);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (!event.queryRunner.isTransactionActive) this.end(event.queryRunner, 'committed');
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.end(event.queryRunner, 'rolled-back');
  }

  /**
   * A transaction TypeORM commits whose COMMIT (and then ROLLBACK) failed on a lost connection ends
   * with no TypeORM event: its runner is released with the scope still open. The server may have
   * committed, so the scope ends as unknown, which waiting handlers resolve by asking the server.
   */
  private endOnRelease(queryRunner: QueryRunner): void {
    const release = queryRunner.release;
    queryRunner.release = (...args: Parameters<QueryRunner['release']>) => {
      queryRunner.release = release;
      this.end(queryRunner, 'unknown');
      return release.apply(queryRunner, args);
    };
  }

  private subscribe(dataSource: DataSource): void {
    if (this.subscribed.has(dataSource)) return;
    this.subscribed.add(dataSource);
    dataSource.subscribers.push(this);
  }
}
