/**
 * Exponential backoff with full jitter: attempt 1 waits up to `initialMs`, each further attempt
 * doubles that, never beyond `maxMs`. Jitter keeps relays of several nodes from retrying in step.
 */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
