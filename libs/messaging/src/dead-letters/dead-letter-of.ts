import { randomUUID } from 'node:crypto';
import type { Envelope } from '../bus/envelope.js';
import type { DeadLetter } from './dead-letter.js';

/** Where and how a message failed, as a dead letter records it. */
export interface FailureDetails {
  readonly source: string;
  readonly error: Error;
  readonly attempts: number;
  readonly handler?: string;
  readonly replayable: boolean;
}

/** The dead letter of `envelope` after `failure`. */
export function deadLetterOf(envelope: Envelope, failure: FailureDetails): DeadLetter {
  return {
    id: randomUUID(),
    messageId: envelope.id,
    messageType: envelope.type,
    body: envelope.message,
    headers: envelope.headers,
    tenantId: envelope.tenantId,
    correlationId: envelope.correlationId,
    source: failure.source,
    handler: failure.handler,
    errorType: failure.error.name,
    errorMessage: failure.error.message,
    errorStack: failure.error.stack,
    attempts: failure.attempts,
    failedAt: new Date(),
    replayable: failure.replayable,
  };
}
