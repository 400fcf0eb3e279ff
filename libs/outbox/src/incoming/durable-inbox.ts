import { Inject, Injectable } from '@nestjs/common';
import type { Envelope, MessageInbox } from '@momentum/messaging';
import type { ResolvedOutboxOptions } from '../config/resolved-options.js';
import { RESOLVED_OUTBOX_OPTIONS } from '../module/outbox-tokens.js';
import { NodeIdentity } from '../nodes/node-identity.js';
import { MessageStore } from '../schema/message-store.js';
import { Outbox } from '../transactions/outbox.service.js';
import type { InboxDelivery } from '../transactions/ambient-transaction.js';
import { BatchedInbox } from './batched-inbox.js';
import { InboxDeliveries } from './inbox-deliveries.js';

/**
 * Header a replayed dead letter carries: only the consumer group named in it handles the replay;
 * every other group's inbox discards it as a duplicate.
 */
export const REPLAY_FOR_HEADER = 'momentum-replay-for';

/**
 * The bus's {@link MessageInbox} on the `incoming` table, in the configured `inbox.mode`.
 *
 * `transactional` (default): each delivery runs in one new transaction that first inserts the
 * (message id, consumer) row: a duplicate finds the row (or waits for a concurrent delivery's
 * transaction and then finds it) and is discarded; otherwise the handlers run in that transaction,
 * so their writes, the messages they publish (outbox rows) and the handled mark commit together, or
 * roll back together when a handler fails and the transport redelivers.
 *
 * `batched`: see {@link BatchedInbox}.
 */
@Injectable()
export class DurableInbox implements MessageInbox {
  private readonly batched: BatchedInbox | undefined;
  /**
   * See `MessageInbox.prepare`: only the batched inbox takes announcements (it claims the messages
   * ahead); left undefined otherwise, so transports do not open records ahead for nothing.
   */
  readonly prepare?: (envelopes: readonly Envelope[], consumer: string) => void;
  /** See `MessageInbox.forget`; with {@link prepare}. */
  readonly forget?: (envelopes: readonly Envelope[], consumer: string) => void;

  constructor(
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(MessageStore) private readonly store: MessageStore,
    @Inject(NodeIdentity) node: NodeIdentity,
    @Inject(RESOLVED_OUTBOX_OPTIONS) private readonly options: ResolvedOutboxOptions,
  ) {
    if (options.inbox.mode !== 'batched') return;
    const batched = new BatchedInbox(store, node, options.inbox);
    this.batched = batched;
    this.prepare = (envelopes, consumer) =>
      batched.prepare(
        envelopes.filter((envelope) => isFor(envelope, consumer)),
        consumer,
      );
    this.forget = (envelopes, consumer) => batched.forget(envelopes, consumer);
  }

  /** Writes what the batched inbox still holds; called at shutdown, before the database closes. */
  async flush(): Promise<void> {
    await this.batched?.flush();
  }

  async receive(envelope: Envelope, consumer: string, handle: () => Promise<void>): Promise<boolean> {
    if (!isFor(envelope, consumer)) return false;
    const delivery = { envelope, consumer };
    if (this.batched)
      return this.batched.receive(envelope, consumer, () => InboxDeliveries.run(delivery, handle));
    return InboxDeliveries.run(delivery, () => this.inTransaction(delivery, handle));
  }

  private inTransaction(delivery: InboxDelivery, handle: () => Promise<void>): Promise<boolean> {
    const { envelope, consumer } = delivery;
    return this.outbox.runInNewTransaction(
      async (queryRunner) => {
        const fresh = await this.store.incoming.markHandled(queryRunner.manager, {
          id: envelope.id,
          consumer,
          messageType: envelope.type,
          tenantId: envelope.tenantId,
          keepMs: this.options.inbox.keepHandledMs,
        });
        if (fresh) await handle();
        return fresh;
      },
      {},
      delivery,
    );
  }
}

/** A replayed dead letter is for the consumer group named in it only. */
function isFor(envelope: Envelope, consumer: string): boolean {
  const replayFor = envelope.headers[REPLAY_FOR_HEADER];
  return replayFor === undefined || replayFor === consumer;
}
