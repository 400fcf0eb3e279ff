import { Inject, Injectable } from '@nestjs/common';
import { queueConsumer } from '../incoming/incoming-store.js';
import { MessageStore } from '../schema/message-store.js';
import { Outbox } from '../transactions/outbox.service.js';
import { TransactionScopes } from '../transactions/transaction-scopes.js';
import { DeadLetterNotFoundError, DeadLetterNotReplayableError } from './dead-letter-errors.js';
import { replayPlan } from './replay-plan.js';
import type { StoredDeadLetter, StoredDeadLetterQuery } from './stored-dead-letter.js';

/**
 * Inspecting and acting on dead letters: list them (by type, tenant, source, time), replay them
 * (each in one transaction: the message goes back and the dead letter is removed together), or
 * discard them.
 */
@Injectable()
export class DeadLetters {
  constructor(
    @Inject(MessageStore) private readonly store: MessageStore,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(TransactionScopes) private readonly scopes: TransactionScopes,
  ) {}

  /** Dead letters matching `query`, oldest failure first. */
  list(query: StoredDeadLetterQuery = {}): Promise<StoredDeadLetter[]> {
    return this.store.deadLetters.list(this.store.dataSource.manager, query);
  }

  /** The dead letter with this id, or `undefined`. */
  get(id: string): Promise<StoredDeadLetter | undefined> {
    return this.store.deadLetters.get(this.store.dataSource.manager, id);
  }

  /**
   * Sends a dead letter back (see `replayPlan`) and removes it, in one transaction. Throws
   * {@link DeadLetterNotFoundError} or {@link DeadLetterNotReplayableError}.
   */
  async replay(id: string): Promise<void> {
    await this.outbox.runInNewTransaction(async (queryRunner) => {
      const manager = queryRunner.manager;
      const letter = await this.store.deadLetters.get(manager, id, true);
      if (!letter) throw new DeadLetterNotFoundError(id);
      if (!letter.replayable) throw new DeadLetterNotReplayableError(id);
      const plan = replayPlan(letter);
      if (plan.via === 'outbox') {
        if (plan.forgetInboxOf)
          await this.store.incoming.forget(manager, letter.messageId, plan.forgetInboxOf);
        await this.store.outgoing.insert(manager, [plan.row]);
        this.scopes.scopeOf(queryRunner).wroteOutgoing = true;
      } else {
        // The failed run marked its queue row handled; kept, it would swallow the replay as a duplicate.
        const consumer = queueConsumer(plan.queue);
        await this.store.incoming.forget(manager, letter.messageId, consumer);
        await this.store.incoming.enqueue(manager, consumer, [plan.envelope], 0);
      }
      await this.store.deadLetters.delete(manager, [id]);
    });
  }

  /** Replays every dead letter matching `query` (replayable ones only); returns how many were replayed. */
  async replayMany(query: StoredDeadLetterQuery = {}): Promise<number> {
    const letters = (await this.list(query)).filter((letter) => letter.replayable);
    for (const letter of letters) await this.replay(letter.id);
    return letters.length;
  }

  /** Deletes dead letters for good; returns how many existed. */
  discard(ids: string | readonly string[]): Promise<number> {
    return this.store.deadLetters.delete(
      this.store.dataSource.manager,
      typeof ids === 'string' ? [ids] : ids,
    );
  }
}
