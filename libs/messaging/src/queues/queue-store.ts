import type { Envelope } from '../bus/envelope.js';

/**
 * Persistence behind a `durable` local queue, provided by the outbox module: a message is stored
 * before the publisher's await returns, and removed (marked handled) once its handler finished.
 */
export interface DurableQueueStore {
  /** Stores envelopes for `queue`; joins the caller's open transaction when there is one. */
  enqueue(queue: string, envelopes: readonly Envelope[]): Promise<void>;
  /** Marks an envelope handled (or dead-lettered) so it is never run again. */
  complete(queue: string, envelopeId: string): Promise<void>;
  /** Envelopes stored but not completed, oldest first, for recovery after a restart. */
  pending(queue: string, limit: number): Promise<Envelope[]>;
  /**
   * Called by the bus once per durable queue at startup: the store calls `recover` whenever stored
   * messages of `queue` may have lost their run (their node died), e.g. periodically; `recover`
   * takes them with {@link pending} and runs them, resolving with how many.
   */
  registerRecovery?(queue: string, recover: () => Promise<number>): void;
}

/** Injection token of the {@link DurableQueueStore}. */
export const DURABLE_QUEUE_STORE = Symbol.for('momentum:durable-queue-store');
