/** Median and spread of repeated measurements of one variant. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / median, as a fraction. */
  readonly spread: number;
  readonly samples: readonly number[];
}

/** One variant of a comparison: a name and a function that runs one round and returns its rate (higher is better). */
export interface Variant {
  readonly name: string;
  readonly round: () => Promise<number>;
}

/** Summarises samples. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  return { median, min, max, spread: median === 0 ? 0 : (max - min) / median, samples };
}

/**
 * Runs every variant `warmup` times, then `rounds` times interleaved (A, B, C, A, B, C, …) so drift
 * on a shared machine hits all variants alike, and summarises each variant's rates.
 */
export async function compare(
  variants: readonly Variant[],
  rounds: number,
  warmup = 1,
): Promise<Record<string, Summary>> {
  for (let i = 0; i < warmup; i++) for (const variant of variants) await variant.round();
  const samples = new Map(variants.map((variant) => [variant.name, [] as number[]]));
  for (let i = 0; i < rounds; i++) {
    for (const variant of variants) samples.get(variant.name)!.push(await variant.round());
  }
  return Object.fromEntries(variants.map((variant) => [variant.name, summarize(samples.get(variant.name)!)]));
}

/** Operations per second of `count` operations that took `elapsedMs`. */
export function perSecond(count: number, elapsedMs: number): number {
  return (count * 1_000) / elapsedMs;
}

/** The median of `a[i] / b[i]` over interleaved rounds, which cancels drift between rounds. */
export function pairedRatio(a: Summary, b: Summary): number {
  return summarize(a.samples.map((sample, round) => sample / b.samples[round]!)).median;
}
