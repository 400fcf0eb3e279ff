import type { ActivitySource } from '../activity/activity-source.js';
import type { Envelope } from '../bus/envelope.js';

/** Releases a scheduled envelope when it is due. */
export type ScheduledDispatch = (envelope: Envelope) => Promise<void>;

/**
 * Keeps scheduled messages until they are due. The default keeps them in memory (lost on restart);
 * the outbox module provides a durable one.
 */
export interface MessageScheduler extends Partial<ActivitySource> {
  /** Starts releasing due messages through `dispatch`. */
  start(dispatch: ScheduledDispatch): Promise<void>;
  schedule(envelope: Envelope, dueAt: Date): Promise<void>;
  close(): Promise<void>;
}
