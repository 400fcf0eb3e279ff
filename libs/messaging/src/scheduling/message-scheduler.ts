import type { Envelope } from '../bus/envelope.js';

/** Releases a scheduled envelope when it is due. */
export type ScheduledDispatch = (envelope: Envelope) => Promise<void>;

/**
 * Keeps scheduled messages until they are due. The default keeps them in memory (lost on restart);
 * the outbox module provides a durable one. Messages waiting for their time are not "in flight":
 * tracked test sessions do not wait for them.
 */
export interface MessageScheduler {
  /** Starts releasing due messages through `dispatch`. */
  start(dispatch: ScheduledDispatch): Promise<void>;
  schedule(envelope: Envelope, dueAt: Date): Promise<void>;
  close(): Promise<void>;
}
