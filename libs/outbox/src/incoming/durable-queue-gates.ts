import { setTimeout as sleep } from 'node:timers/promises';
import type { OnModuleDestroy } from '@nestjs/common';
import { backoffDelay } from '../outgoing/backoff.js';
import { DeliveryTable } from './delivery-table.js';
import type { TransactionOutcome } from '../transactions/transaction-scope.js';

/** How an enqueuing transaction ended, once known. */
export type KnownOutcome = Exclude<TransactionOutcome, 'unknown'>;

/**
 * Asks the store how an enqueuing transaction whose commit lost its connection ended: `undefined`
 * while the server is still committing it; rejects while the store cannot be reached.
 */
export type OutcomeLookup = () => Promise<KnownOutcome | undefined>;

/** Pauses between lookups of an unknown outcome (full-jitter exponential backoff). */
export interface LookupBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

interface Gate {
  readonly outcome: Promise<TransactionOutcome>;
  readonly lookUp: OutcomeLookup;
  /** The lookup of an unknown outcome in progress or done, shared by everyone waiting. */
  known?: Promise<KnownOutcome>;
}

/**
 * Durable-queue messages enqueued inside a transaction that has not ended yet: their handlers wait
 * for it, and run only if it commits. An entry lives from `enqueue` until the queue completes the
 * message. Gates are per queue: a message several durable queues run is gated in each until that
 * queue completes it.
 *
 * When the commit lost its connection the outcome is unknown, and the gate asks the store until it
 * can tell: while the server is still committing, or cannot be reached, the handler keeps waiting
 * (a failure here would go through the handler's error policy and could drop a message that
 * committed). Once the application shuts down, a lookup that cannot tell rejects instead of waiting.
 */
export class DurableQueueGates implements OnModuleDestroy {
  private readonly gates = new DeliveryTable<Gate>();
  private readonly closing = new AbortController();

  constructor(private readonly backoff: LookupBackoff = { initialMs: 100, maxMs: 5_000 }) {}

  /** Gates `envelopeId` in `queue` on `outcome`; `lookUp` tells when that is `unknown`. */
  hold(queue: string, envelopeId: string, outcome: Promise<TransactionOutcome>, lookUp: OutcomeLookup): void {
    this.gates.set(queue, envelopeId, { outcome, lookUp });
  }

  /**
   * How the enqueuing transaction of `envelopeId` in `queue` ended (waiting for it), or undefined
   * when it was not gated there.
   */
  outcomeOf(queue: string, envelopeId: string): Promise<KnownOutcome> | undefined {
    const gate = this.gates.get(queue, envelopeId);
    return gate && this.settle(envelopeId, gate);
  }

  release(queue: string, envelopeId: string): void {
    this.gates.take(queue, envelopeId);
  }

  onModuleDestroy(): void {
    this.closing.abort();
  }

  private async settle(envelopeId: string, gate: Gate): Promise<KnownOutcome> {
    const outcome = await gate.outcome;
    if (outcome !== 'unknown') return outcome;
    if (!gate.known) {
      const known = this.lookUpUntilKnown(envelopeId, gate.lookUp);
      gate.known = known;
      known.catch(() => {
        if (gate.known === known) gate.known = undefined;
      });
    }
    return gate.known;
  }

  private async lookUpUntilKnown(envelopeId: string, lookUp: OutcomeLookup): Promise<KnownOutcome> {
    for (let attempt = 1; ; attempt++) {
      let reason: unknown;
      try {
        const known = await lookUp();
        if (known) return known;
        reason = new Error('the server is still committing it');
      } catch (error) {
        reason = error;
      }
      if (this.closing.signal.aborted)
        throw new Error(
          `Outbox: the transaction that enqueued message ${envelopeId} lost its connection while committing, ` +
            'and the store cannot tell yet whether it committed',
          { cause: reason },
        );
      const delay = backoffDelay(attempt, this.backoff.initialMs, this.backoff.maxMs);
      await sleep(delay, undefined, { signal: this.closing.signal }).catch(() => undefined);
    }
  }
}
