import { Inject, Injectable } from '@nestjs/common';
import type { Envelope, MessageScheduler, ScheduledDispatch } from '@momentum/messaging';
import { translateStoreError } from '../database/store-unavailable-error.js';
import { MessageClasses } from '../incoming/message-classes.js';
import { restoreEnvelope, storeEnvelope } from '../incoming/stored-envelope.js';
import { MessageStore } from '../schema/message-store.js';
import { Outbox } from '../transactions/outbox.service.js';

/** Due messages released per transaction. */
const RELEASE_BATCH = 100;

/**
 * The bus's {@link MessageScheduler} on the `incoming` table: `schedule` stores the message with its
 * due time (in the open transaction, if any), and the leader node releases due messages. Each
 * release is one transaction that deletes the rows (`SKIP LOCKED`) and dispatches the messages in
 * it, so what they publish to transports is stored in the same transaction: released once, even
 * with several nodes.
 */
@Injectable()
export class PostgresScheduler implements MessageScheduler {
  private dispatch: ScheduledDispatch | undefined;

  constructor(
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(MessageStore) private readonly store: MessageStore,
    @Inject(MessageClasses) private readonly classes: MessageClasses,
  ) {}

  async start(dispatch: ScheduledDispatch): Promise<void> {
    this.dispatch = dispatch;
  }

  async schedule(envelope: Envelope, dueAt: Date): Promise<void> {
    this.classes.learn(envelope);
    const manager = this.outbox.currentManager() ?? this.store.dataSource.manager;
    try {
      await this.store.incoming.schedule(manager, storeEnvelope(envelope), dueAt);
    } catch (error) {
      throw translateStoreError(error);
    }
  }

  async close(): Promise<void> {
    this.dispatch = undefined;
  }

  /**
   * Releases every due message whose class this process knows; returns how many. Called by the
   * leader; safe to call from several nodes at once.
   */
  async releaseDue(): Promise<number> {
    let released = 0;
    for (;;) {
      const dispatch = this.dispatch;
      if (!dispatch) return released;
      const count = await this.outbox.runInNewTransaction(async (queryRunner) => {
        const due = await this.store.incoming.takeDue(
          queryRunner.manager,
          this.classes.known(),
          RELEASE_BATCH,
        );
        for (const stored of due) await dispatch(restoreEnvelope(stored, this.classes));
        return due.length;
      });
      released += count;
      if (count < RELEASE_BATCH) return released;
    }
  }
}
