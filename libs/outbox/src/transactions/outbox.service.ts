import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager, QueryRunner } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel.js';
import { translateStoreError } from '../database/store-unavailable-error.js';
import { MessageStore } from '../schema/message-store.js';
import { AmbientTransactions, type InboxDelivery } from './ambient-transaction.js';
import { CommitOutcomeUnknownError } from './commit-outcome-unknown-error.js';
import { TransactionHostLookup } from './transaction-host-lookup.js';
import { TransactionScopes } from './transaction-scopes.js';

/** Options of {@link Outbox.transaction}. */
export interface OutboxTransactionOptions {
  /** PostgreSQL isolation level of the transaction; the server's default (`READ COMMITTED`) if unset. */
  readonly isolationLevel?: IsolationLevel;
}

/**
 * Transactions whose published messages go through the outbox: rows written with `manager` and
 * every message published through the bus inside `work` commit together, or not at all.
 *
 * ```ts
 * await outbox.transaction(async (manager) => {
 *   await manager.insert(Order, order);
 *   await bus.publish(new OrderPlaced(order.id)); // stored in this transaction, sent after commit
 * });
 * ```
 */
@Injectable()
export class Outbox {
  constructor(
    @Inject(MessageStore) private readonly store: MessageStore,
    @Inject(TransactionScopes) private readonly scopes: TransactionScopes,
    @Inject(TransactionHostLookup) private readonly transactionHost: TransactionHostLookup,
  ) {}

  /** The DataSource of the message store, for the application's own entities in the same database. */
  get dataSource() {
    return this.store.dataSource;
  }

  /**
   * Runs `work` in a transaction and commits it; rolls back and rethrows when `work` throws. Inside
   * an open outbox transaction, `work` joins it. When the database cannot be reached, rejects with
   * `MessageStoreUnavailableError`; when the connection fails during the commit itself, with its
   * subclass `CommitOutcomeUnknownError` (the transaction may have committed: check before redoing it).
   */
  async transaction<T>(
    work: (manager: EntityManager) => Promise<T>,
    options: OutboxTransactionOptions = {},
  ): Promise<T> {
    const open = this.currentQueryRunner();
    if (open) return work(open.manager);
    return this.runInNewTransaction((queryRunner) => work(queryRunner.manager), options);
  }

  /**
   * Runs `work` with `manager`'s open transaction as the outbox transaction: messages published
   * inside it are stored in that transaction. Throws when `manager` is not in a transaction.
   */
  withManager<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
    const queryRunner = manager.queryRunner;
    if (!queryRunner?.isTransactionActive) {
      throw new Error(
        'Outbox.withManager: the EntityManager is not in a transaction (open one with manager.transaction or outbox.transaction)',
      );
    }
    return AmbientTransactions.run({ queryRunner }, work);
  }

  /** The EntityManager of the transaction messages would enlist in right now, if one is open. */
  currentManager(): EntityManager | undefined {
    return this.currentQueryRunner()?.manager;
  }

  /** The open transaction's query runner: the module's own, else `@nestjs-cls/transactional`'s. */
  currentQueryRunner(): QueryRunner | undefined {
    return AmbientTransactions.current()?.queryRunner ?? this.transactionHost.activeQueryRunner();
  }

  /**
   * Runs `work` in a new transaction of its own (never joining an open one), as the ambient
   * transaction; `inbox` marks it as the transaction of that consumed delivery.
   */
  async runInNewTransaction<T>(
    work: (queryRunner: QueryRunner) => Promise<T>,
    options: OutboxTransactionOptions = {},
    inbox?: InboxDelivery,
  ): Promise<T> {
    const queryRunner = this.store.dataSource.createQueryRunner();
    try {
      await queryRunner.connect();
      await queryRunner.startTransaction(options.isolationLevel);
    } catch (error) {
      await queryRunner.release().catch(() => undefined);
      throw translateStoreError(error);
    }
    try {
      const result = await AmbientTransactions.run({ queryRunner, inbox }, () => work(queryRunner));
      await this.scopes.commit(queryRunner).catch((error: unknown) => {
        throw translateStoreError(error);
      });
      return result;
    } catch (error) {
      // Before the rollback attempt, whose events would otherwise end the scope as rolled back.
      if (error instanceof CommitOutcomeUnknownError) this.scopes.end(queryRunner, 'unknown');
      if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction().catch(() => undefined);
      this.scopes.end(queryRunner, 'rolled-back');
      throw error;
    } finally {
      await queryRunner.release().catch(() => undefined);
    }
  }
}
