import type { TransactionOutcome } from '../transactions/transaction-scope.js';

/**
 * Durable-queue messages enqueued inside a transaction that has not ended yet: their handlers wait
 * for it, and run only if it commits. An entry lives from `enqueue` until the queue completes the
 * message.
 */
export class DurableQueueGates {
  private readonly gates = new Map<string, Promise<TransactionOutcome>>();

  hold(envelopeId: string, outcome: Promise<TransactionOutcome>): void {
    this.gates.set(envelopeId, outcome);
  }

  /** How the enqueuing transaction of `envelopeId` ended (waiting for it), or undefined when it was not gated. */
  outcomeOf(envelopeId: string): Promise<TransactionOutcome> | undefined {
    return this.gates.get(envelopeId);
  }

  release(envelopeId: string): void {
    this.gates.delete(envelopeId);
  }
}
