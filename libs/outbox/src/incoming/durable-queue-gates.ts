import type { TransactionOutcome } from '../transactions/transaction-scope.js';

/** How an enqueuing transaction ended, once known. */
export type KnownOutcome = Exclude<TransactionOutcome, 'unknown'>;

interface Gate {
  outcome: Promise<TransactionOutcome>;
  /** Whether the message's row exists: asked when the commit's outcome is unknown. */
  readonly stored: () => Promise<boolean>;
}

/**
 * Durable-queue messages enqueued inside a transaction that has not ended yet: their handlers wait
 * for it, and run only if it commits. An entry lives from `enqueue` until the queue completes the
 * message.
 */
export class DurableQueueGates {
  private readonly gates = new Map<string, Gate>();

  /**
   * Gates `envelopeId` on `outcome`. When that is `unknown` (the connection failed during the
   * commit), `stored` tells: the row was written in that transaction, so it exists iff it committed.
   */
  hold(envelopeId: string, outcome: Promise<TransactionOutcome>, stored: () => Promise<boolean>): void {
    this.gates.set(envelopeId, { outcome, stored });
  }

  /**
   * How the enqueuing transaction of `envelopeId` ended (waiting for it), or undefined when it was
   * not gated. Rejects when the outcome is unknown and the store cannot tell yet; a later call asks again.
   */
  outcomeOf(envelopeId: string): Promise<KnownOutcome> | undefined {
    const gate = this.gates.get(envelopeId);
    return gate && this.settle(envelopeId, gate);
  }

  release(envelopeId: string): void {
    this.gates.delete(envelopeId);
  }

  private async settle(envelopeId: string, gate: Gate): Promise<KnownOutcome> {
    const outcome = await gate.outcome;
    if (outcome !== 'unknown') return outcome;
    let stored: boolean;
    try {
      stored = await gate.stored();
    } catch (error) {
      throw new Error(
        `Outbox: the transaction that enqueued message ${envelopeId} lost its connection while committing, ` +
          'and the store cannot tell yet whether it committed',
        { cause: error },
      );
    }
    const known = stored ? 'committed' : 'rolled-back';
    gate.outcome = Promise.resolve(known);
    return known;
  }
}
