/** Bounds of an exponential backoff. */
export interface BackoffBounds {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * The delay before attempt `failures + 1`: `initialDelayMs · 2^(failures - 1)`, capped at
 * `maxDelayMs`, less up to 20 % jitter so that many partitions or producers failing together do not
 * retry in lockstep.
 */
export function backoffDelay(
  failures: number,
  bounds: BackoffBounds,
  random: () => number = Math.random,
): number {
  const exponential = bounds.initialDelayMs * 2 ** Math.max(0, failures - 1);
  const capped = Math.min(exponential, bounds.maxDelayMs);
  return Math.round(capped * (1 - 0.2 * random()));
}
