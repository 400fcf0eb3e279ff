import { Logger } from '@nestjs/common';
import type { Envelope } from '@momentum/messaging';
import type { ResolvedOutboxOptions } from '../config/resolved-options.js';
import { translateStoreError } from '../database/store-unavailable-error.js';
import type { NodeIdentity } from '../nodes/node-identity.js';
import type { MessageStore } from '../schema/message-store.js';
import type { ClaimOutcome, InboxClaim } from './incoming-store.js';
import { DeliveryTable } from './delivery-table.js';
import { MessageBusyError } from './message-busy-error.js';
import { WriteCoalescer } from './write-coalescer.js';

type ClaimKey = Pick<InboxClaim, 'id' | 'consumer'>;

/** A claim made ahead of its delivery. */
interface PreparedClaim extends ClaimKey {
  readonly outcome: Promise<ClaimOutcome>;
}

/** A delivery's result: whether the message was new, and when its mark is written. */
interface Delivered {
  readonly fresh: boolean;
  readonly marked: Promise<void>;
}

const DUPLICATE: Delivered = { fresh: false, marked: Promise.resolve() };

/**
 * Claim (and mark) statements written at once: a fetched batch is claimed ahead in several
 * statements, and while one waits for the database the next can already be on its way; more did
 * not help on 2 cores (the database then competes with the handlers for CPU).
 */
const STATEMENTS_IN_FLIGHT = 2;

/**
 * The durable inbox with `inbox.mode: 'batched'` (see `InboxMode` for the trade-off). A delivery is
 * claimed (an `incoming` row owned by this node), handled outside any transaction, then marked
 * handled, or its claim dropped when handling failed; the claims, marks and drops of concurrent
 * deliveries each share one statement. The delivery is finished once its handler succeeded: the
 * mark is written behind it (a duplicate arriving meanwhile finds the claim and waits), and
 * {@link flush} writes the last ones at shutdown. A claim left by a crash is taken over once its
 * node is no longer registered. Deliveries of one message in this process wait for each other.
 */
export class BatchedInbox {
  private readonly logger = new Logger('Outbox');
  private readonly claims: WriteCoalescer<InboxClaim, ClaimOutcome>;
  private readonly marks: WriteCoalescer<ClaimKey, undefined>;
  private readonly drops: WriteCoalescer<ClaimKey, undefined>;
  /** Deliveries in this process not yet marked (or failed), by consumer and message id. */
  private readonly running = new DeliveryTable<Promise<Delivered>>();
  /** Claims made ahead of their deliveries (see {@link prepare}), by consumer and message id. */
  private readonly prepared = new DeliveryTable<PreparedClaim>();
  /**
   * Forgotten claims still being dropped: a new claim of the same message waits for the drop, which
   * would otherwise delete the row the new claim took over (or share its statement, which fails).
   */
  private readonly releasing = new DeliveryTable<Promise<void>>();

  constructor(
    store: MessageStore,
    private readonly node: NodeIdentity,
    options: ResolvedOutboxOptions['inbox'],
  ) {
    const manager = store.dataSource.manager;
    const batch = options.batchSize;
    this.claims = new WriteCoalescer(
      (claims) =>
        store.incoming.claimForInbox(manager, claims, this.node.id).catch((error: unknown) => {
          throw translateStoreError(error);
        }),
      batch,
      STATEMENTS_IN_FLIGHT,
    );
    this.marks = new WriteCoalescer(
      async (keys) => {
        await store.incoming.markClaimsHandled(manager, keys, this.node.id, options.keepHandledMs);
        return keys.map(() => undefined);
      },
      batch,
      STATEMENTS_IN_FLIGHT,
    );
    this.drops = new WriteCoalescer(async (keys) => {
      await store.incoming.releaseClaims(manager, keys, this.node.id);
      return keys.map(() => undefined);
    }, batch);
  }

  /**
   * Claims messages about to be received, so their deliveries find the claim made instead of each
   * waiting for a statement of its own; a message already claimed ahead or running is left alone.
   */
  prepare(envelopes: readonly Envelope[], consumer: string): void {
    for (const envelope of envelopes) {
      const { id } = envelope;
      if (this.prepared.get(consumer, id) || this.running.get(consumer, id)) continue;
      const outcome = this.claim(envelope, consumer);
      // Its delivery sees a failed claim; one that is forgotten has nothing to report.
      outcome.catch(() => undefined);
      this.prepared.set(consumer, id, { id, consumer, outcome });
    }
  }

  /** Drops the claims made ahead for messages that will not be received after all. */
  forget(envelopes: readonly Envelope[], consumer: string): void {
    for (const { id } of envelopes) {
      const claim = this.prepared.take(consumer, id);
      if (!claim) continue;
      const released = this.release(claim);
      this.releasing.set(consumer, id, released);
      void released.then(() => this.releasing.deleteIf(consumer, id, released));
    }
  }

  /** See `MessageInbox.receive`. */
  async receive(envelope: Envelope, consumer: string, handle: () => Promise<void>): Promise<boolean> {
    const { id } = envelope;
    // Handled (or found a duplicate) here already: this one is a duplicate too; failed: try it.
    for (let earlier = this.running.get(consumer, id); earlier; earlier = this.running.get(consumer, id))
      if (await markedOrFailed(earlier)) return false;
    const delivery = this.deliver(envelope, consumer, handle);
    // Later deliveries of the message wait until its mark is written, not only until it is handled.
    this.running.set(consumer, id, delivery);
    let delivered: Delivered;
    try {
      delivered = await delivery;
    } catch (error) {
      this.running.deleteIf(consumer, id, delivery);
      throw error;
    }
    void delivered.marked.then(() => this.running.deleteIf(consumer, id, delivery));
    return delivered.fresh;
  }

  private async deliver(
    envelope: Envelope,
    consumer: string,
    handle: () => Promise<void>,
  ): Promise<Delivered> {
    const key: ClaimKey = { id: envelope.id, consumer };
    const outcome = await (this.prepared.take(consumer, envelope.id)?.outcome ??
      this.claim(envelope, consumer));
    if (outcome === 'handled') return DUPLICATE;
    if (outcome === 'busy') throw new MessageBusyError(envelope.id, consumer);
    try {
      await handle();
    } catch (error) {
      // If the claim cannot be dropped now, this node's own redelivery takes it over anyway.
      await this.drops
        .add(key)
        .catch((dropError: Error) =>
          this.logger.warn(`inbox: could not drop the claim of ${envelope.id}: ${dropError.message}`),
        );
      throw error;
    }
    // Written behind the delivery; a mark that fails leaves the claim to this node, whose later
    // duplicate takes it over.
    const marked = this.marks
      .add(key)
      .catch((error: Error) =>
        this.logger.warn(`inbox: could not mark ${envelope.id} handled: ${error.message}`),
      );
    return { fresh: true, marked };
  }

  private claim(envelope: Envelope, consumer: string): Promise<ClaimOutcome> {
    const claim = { id: envelope.id, consumer, messageType: envelope.type, tenantId: envelope.tenantId };
    const releasing = this.releasing.get(consumer, envelope.id);
    return releasing ? releasing.then(() => this.claims.add(claim)) : this.claims.add(claim);
  }

  /** Drops a claim made ahead, once it is made, if it was this node's to drop. */
  private async release(claim: PreparedClaim | undefined): Promise<void> {
    if (!claim || (await claim.outcome.catch(() => undefined)) !== 'claimed') return;
    await this.drops
      .add({ id: claim.id, consumer: claim.consumer })
      .catch((error: Error) =>
        this.logger.warn(`inbox: could not drop the claim of ${claim.id}: ${error.message}`),
      );
  }

  /** Drops the claims made ahead and writes the marks and drops still pending (before the database closes). */
  async flush(): Promise<void> {
    await Promise.all(
      this.prepared.values().map((claim) => this.release(this.prepared.take(claim.consumer, claim.id))),
    );
    await Promise.all([this.claims.flush(), this.marks.flush(), this.drops.flush()]);
  }
}

/** Whether an earlier delivery succeeded (once its mark is written) or failed. */
function markedOrFailed(delivery: Promise<Delivered>): Promise<boolean> {
  return delivery.then(
    async ({ marked }) => {
      await marked;
      return true;
    },
    () => false,
  );
}
