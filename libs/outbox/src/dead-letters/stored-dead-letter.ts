import type { DeadLetter, DeadLetterQuery } from '@momentum/messaging';
import type { StoredEnvelope } from '../incoming/stored-envelope.js';

/** A dead letter as the PostgreSQL store keeps it: the bus's fields plus what replay needs. */
export interface StoredDeadLetter extends DeadLetter {
  /** The consumer group whose inbox handled (and dead-lettered) the message, for consumed messages. */
  readonly consumer?: string;
  /** Transport, topic and key of the record, for messages that were to be sent or were consumed. */
  readonly transport?: string;
  readonly topic?: string;
  readonly partitionKey?: string;
  /** The envelope's attributes when known (CloudEvents source, time, topic), to re-encode it on replay. */
  readonly envelope?: StoredEnvelope;
}

/** Filter of dead-letter listings: the bus's filter plus the failure source, and paging. */
export interface StoredDeadLetterQuery extends DeadLetterQuery {
  /** Exact failure source, e.g. `domain-events`, `kafka:app_domain.orders.order-created`, `outbox:kafka:…`. */
  readonly source?: string;
  /** Rows to skip (with `limit`), in failure-time order. */
  readonly offset?: number;
}
