import type { Envelope } from '../bus/envelope.js';

/**
 * Deduplicates consumed messages: the outbox module implements it with an inbox table, running the
 * handlers in one transaction with the inbox row so a redelivered message cannot apply twice.
 */
export interface MessageInbox {
  /**
   * Runs `handle` unless this message id was already handled by `consumer`. Resolves `false` for a
   * duplicate (acknowledged and discarded); rejects, leaving no trace, when `handle` rejects.
   */
  receive(envelope: Envelope, consumer: string, handle: () => Promise<void>): Promise<boolean>;
  /**
   * Announces messages about to be received by `consumer`, so an inbox can do their per-message
   * work for all of them at once (the batched inbox claims them in one statement). Each is then
   * either received or passed to {@link forget}.
   */
  prepare?(envelopes: readonly Envelope[], consumer: string): void;
  /** Prepared messages that will not be received after all (revoked partition, stopped consumer). */
  forget?(envelopes: readonly Envelope[], consumer: string): void;
}
