import { NonRetryableError } from '@momentum/messaging';

/**
 * Whether sending may succeed later. No for a `NonRetryableError` (or an error marked
 * `nonRetryable`), and for errors that say so themselves (`retriable: false`, as kafkajs errors do,
 * e.g. a record too large for the topic).
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof NonRetryableError) return false;
  const flags = (error ?? {}) as { nonRetryable?: unknown; retriable?: unknown };
  return flags.nonRetryable !== true && flags.retriable !== false;
}
