import { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { EntityManager, QueryRunner } from 'typeorm';

/** The part of `@nestjs-cls/transactional`'s `TransactionHost` (TypeORM adapter) the outbox uses. */
interface TransactionHostLike {
  isTransactionActive(): boolean;
  readonly tx: EntityManager;
}

/**
 * Finds `@nestjs-cls/transactional`'s `TransactionHost` when the application set it up with the
 * TypeORM adapter, so messages published inside `@Transactional()` methods enlist in that transaction.
 * The package is an optional peer: without it (or without a registered host) this finds nothing.
 */
export class TransactionHostLookup {
  private host: TransactionHostLike | undefined;

  /** Looks the host up in the container; call once the application's modules are initialized. */
  async resolve(moduleRef: ModuleRef): Promise<void> {
    const hostClass = await loadTransactionHostClass();
    if (!hostClass) return;
    try {
      this.host = moduleRef.get<TransactionHostLike>(hostClass, { strict: false });
      new Logger('Outbox').log('enlisting in @nestjs-cls/transactional transactions (TransactionHost found)');
    } catch {
      this.host = undefined;
    }
  }

  /** The query runner of the `TransactionHost`'s active transaction, if any. */
  activeQueryRunner(): QueryRunner | undefined {
    if (!this.host?.isTransactionActive()) return undefined;
    const queryRunner = this.host.tx.queryRunner;
    return queryRunner?.isTransactionActive ? queryRunner : undefined;
  }
}

async function loadTransactionHostClass(): Promise<(abstract new (...args: never[]) => unknown) | undefined> {
  try {
    const module = (await import('@nestjs-cls/transactional')) as {
      TransactionHost?: abstract new (...args: never[]) => unknown;
    };
    return module.TransactionHost;
  } catch {
    return undefined;
  }
}
