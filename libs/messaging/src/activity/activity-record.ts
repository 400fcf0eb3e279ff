import type { Envelope } from '../bus/envelope.js';

/** What happened to a message, as tracked sessions and observers see it. */
export type ActivityKind =
  'sent' | 'received' | 'executed' | 'succeeded' | 'failed' | 'dead-lettered' | 'no-handler' | 'scheduled';

/** What follows a failed attempt: another attempt, or the message's final fate. */
export type FailureOutcome = 'retry' | 'requeue' | 'discarded' | 'dead-lettered' | 'thrown';

/** One observed step in a message's life. */
export interface ActivityRecord {
  readonly kind: ActivityKind;
  readonly envelope: Envelope;
  /** `Class.method` of the handler, for execution records. */
  readonly handler?: string;
  /** Where the message went or came from: a queue or `transport:topic`. */
  readonly destination?: string;
  /** The transport topic, for records of messages sent to or received from a transport. */
  readonly topic?: string;
  /** For `failed` records: what happens next (`retry` and `requeue` mean the message is tried again). */
  readonly outcome?: FailureOutcome;
  readonly error?: Error;
  readonly attempt?: number;
  readonly at: Date;
}
