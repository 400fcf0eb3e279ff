import type { Envelope } from '../bus/envelope.js';

/** What happened to a message, as tracked sessions and observers see it. */
export type ActivityKind =
  'sent' | 'received' | 'executed' | 'succeeded' | 'failed' | 'dead-lettered' | 'no-handler' | 'scheduled';

/** One observed step in a message's life. */
export interface ActivityRecord {
  readonly kind: ActivityKind;
  readonly envelope: Envelope;
  /** `Class.method` of the handler, for execution records. */
  readonly handler?: string;
  /** Where the message went or came from: a queue or `transport:topic`. */
  readonly destination?: string;
  readonly error?: Error;
  readonly attempt?: number;
  readonly at: Date;
}
