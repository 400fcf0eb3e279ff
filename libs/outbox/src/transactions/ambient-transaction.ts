import { AsyncLocalStorage } from 'node:async_hooks';
import type { Envelope } from '@momentum/messaging';
import type { QueryRunner } from 'typeorm';

/** The consumed message an inbox transaction was opened for. */
export interface InboxDelivery {
  readonly envelope: Envelope;
  readonly consumer: string;
}

/** A transaction the outbox module knows is open in this async context. */
export interface AmbientTransaction {
  readonly queryRunner: QueryRunner;
  /** Set when the durable inbox opened the transaction to handle this delivery. */
  readonly inbox?: InboxDelivery;
}

const storage = new AsyncLocalStorage<AmbientTransaction | undefined>();

/**
 * The transaction messages enlist in, per async context. Opened by `Outbox.transaction`,
 * `Outbox.withManager` and the inbox; a transaction that has ended no longer counts.
 */
export const AmbientTransactions = {
  /** The open transaction of this async context, if any. */
  current(): AmbientTransaction | undefined {
    const ambient = storage.getStore();
    return ambient && ambient.queryRunner.isTransactionActive && !ambient.queryRunner.isReleased
      ? ambient
      : undefined;
  },
  /** Runs `work` with `transaction` as the ambient one. */
  run<T>(transaction: AmbientTransaction, work: () => T): T {
    return storage.run(transaction, work);
  },
  /** Runs `work` outside any ambient transaction. */
  exit<T>(work: () => T): T {
    return storage.run(undefined, work);
  },
};
