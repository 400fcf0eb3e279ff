import { Logger } from '@nestjs/common';
import type { Envelope } from '@momentum/messaging';
import type { ResolvedOutboxOptions } from '../config/resolved-options.js';
import { translateStoreError } from '../database/store-unavailable-error.js';
import type { NodeIdentity } from '../nodes/node-identity.js';
import type { MessageStore } from '../schema/message-store.js';
import type { ClaimOutcome, InboxClaim } from './incoming-store.js';
import { MessageBusyError } from './message-busy-error.js';
import { WriteCoalescer } from './write-coalescer.js';

type ClaimKey = Pick<InboxClaim, 'id' | 'consumer'>;

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
  private readonly running = new Map<string, Promise<boolean>>();

  constructor(
    store: MessageStore,
    private readonly node: NodeIdentity,
    options: ResolvedOutboxOptions['inbox'],
  ) {
    const manager = store.dataSource.manager;
    const batch = options.batchSize;
    this.claims = new WriteCoalescer(
      (claims) => store.incoming.claimForInbox(manager, claims, this.node.id),
      batch,
    );
    this.marks = new WriteCoalescer(async (keys) => {
      await store.incoming.markClaimsHandled(manager, keys, this.node.id, options.keepHandledMs);
      return keys.map(() => undefined);
    }, batch);
    this.drops = new WriteCoalescer(async (keys) => {
      await store.incoming.releaseClaims(manager, keys, this.node.id);
      return keys.map(() => undefined);
    }, batch);
  }

  /** See `MessageInbox.receive`. */
  async receive(envelope: Envelope, consumer: string, handle: () => Promise<void>): Promise<boolean> {
    const key = `${consumer}\u0000${envelope.id}`;
    // Handled (or found a duplicate) here already: this one is a duplicate too; failed: try it.
    for (let earlier = this.running.get(key); earlier; earlier = this.running.get(key))
      if (await succeeded(earlier)) return false;
    const delivery = this.deliver(envelope, consumer, handle);
    // Later deliveries of the message wait until its mark is written, not only until it is handled.
    const settled = delivery.then(async ({ marked }) => {
      await marked;
      return true;
    });
    this.running.set(key, settled);
    const forget = () => {
      if (this.running.get(key) === settled) this.running.delete(key);
    };
    settled.then(forget, forget);
    return (await delivery).fresh;
  }

  private async deliver(
    envelope: Envelope,
    consumer: string,
    handle: () => Promise<void>,
  ): Promise<{ fresh: boolean; marked: Promise<void> }> {
    const key: ClaimKey = { id: envelope.id, consumer };
    const outcome = await this.claims
      .add({ ...key, messageType: envelope.type, tenantId: envelope.tenantId })
      .catch((error: unknown) => {
        throw translateStoreError(error);
      });
    if (outcome === 'handled') return { fresh: false, marked: Promise.resolve() };
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

  /** Writes the marks and drops still pending (before the database closes). */
  async flush(): Promise<void> {
    await Promise.all([this.claims.flush(), this.marks.flush(), this.drops.flush()]);
  }
}

/** Whether `promise` resolves (true) or rejects (false). */
function succeeded(promise: Promise<unknown>): Promise<boolean> {
  return promise.then(
    () => true,
    () => false,
  );
}
