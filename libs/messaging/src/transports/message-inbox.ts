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
}
