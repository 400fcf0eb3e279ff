import type { DeadLetterReason, IncomingRecord } from './message-transport.js';

/**
 * The headers a dead-lettered record carries besides its own. The Kafka transport writes the same
 * names so dead-letter tooling reads both alike.
 */
export function deadLetterHeaders(
  record: IncomingRecord,
  reason: DeadLetterReason,
  failedAt: Date = new Date(),
): Record<string, string> {
  return {
    'dlq-error-type': reason.errorType,
    'dlq-error-message': reason.message,
    'dlq-attempts': String(reason.attempts),
    'dlq-original-topic': record.topic,
    'dlq-original-partition': String(record.partition),
    'dlq-original-offset': record.offset,
    'dlq-consumer-group': reason.groupId,
    'dlq-failed-at': failedAt.toISOString(),
  };
}
