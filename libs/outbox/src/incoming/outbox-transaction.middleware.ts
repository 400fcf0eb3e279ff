import { Inject, Injectable } from '@nestjs/common';
import type { MessageExecution, MessageMiddleware } from '@momentum/messaging';
import type { QueryRunner } from 'typeorm';
import { AmbientTransactions } from '../transactions/ambient-transaction.js';
import { DurableQueueGates } from './durable-queue-gates.js';

/**
 * Keeps handler executions inside the right transaction. Part of `messagingOptions()`; it must stay
 * in the bus's middleware.
 *
 * - A handler run by the durable inbox runs in a savepoint of the inbox transaction: a failed
 *   attempt leaves no writes behind, so an inline retry (or the dead-letter record) starts clean.
 * - A handler of a durable-queue message enqueued in a transaction waits for that transaction: it
 *   runs after commit, and not at all after rollback.
 * - Any other queued execution runs outside the publisher's transaction (which it would otherwise
 *   inherit through async context); `invoke` runs inside the caller's transaction, as the caller awaits it.
 */
@Injectable()
export class OutboxTransactionMiddleware implements MessageMiddleware {
  constructor(@Inject(DurableQueueGates) private readonly gates: DurableQueueGates) {}

  async handle(execution: MessageExecution, next: () => Promise<unknown>): Promise<unknown> {
    const gate = this.gates.outcomeOf(execution.source, execution.envelope.id);
    if (gate) return (await gate) === 'committed' ? AmbientTransactions.exit(next) : undefined;
    const ambient = AmbientTransactions.current();
    if (!ambient || execution.mode === 'invoke') return next();
    if (ambient.inbox?.envelope.id === execution.envelope.id) return inSavepoint(ambient.queryRunner, next);
    return AmbientTransactions.exit(next);
  }
}

async function inSavepoint(queryRunner: QueryRunner, next: () => Promise<unknown>): Promise<unknown> {
  await queryRunner.startTransaction();
  let result: unknown;
  try {
    result = await next();
  } catch (error) {
    await queryRunner.rollbackTransaction();
    throw error;
  }
  await queryRunner.commitTransaction();
  return result;
}
