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
}

/** Injection token of the {@link DurableQueueStore}. */
export const DURABLE_QUEUE_STORE = Symbol.for('momentum:durable-queue-store');
