import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Summary } from './measure.js';

/** A ratio the suite reports, against its target. */
export interface Ratio {
  readonly label: string;
  readonly value: number;
  /** e.g. `≥ 0.8` or `≤ 1.1`. */
  readonly target: string;
  readonly met: boolean;
}

/** What one benchmark produced. */
export interface BenchResult {
  readonly name: string;
  readonly unit: string;
  readonly variants: Readonly<Record<string, Summary>>;
  readonly ratios: readonly Ratio[];
  readonly notes?: readonly string[];
  /** Anything else worth keeping in the JSON (e.g. latency distributions). */
  readonly details?: unknown;
}

/** A benchmark the runner can execute. */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(): Promise<BenchResult>;
}

/** The repository's `bench/results` folder, whether running from source or from `dist/bench`. */
export function resultsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = here.includes(`${join('dist', 'bench')}`)
    ? join(here, '..', '..', '..')
    : join(here, '..', '..');
  return join(root, 'bench', 'results');
}

/** Writes `bench/results/<name>.json` with the machine and time of the run. */
export function writeResult(result: BenchResult): string {
  const file = join(resultsDir(), `${result.name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const payload = { ...result, node: process.version, at: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  return file;
}

/** Checks `value` against a target written as `≥ x` or `≤ x`. */
export function ratio(label: string, value: number, target: string): Ratio {
  const bound = Number(target.slice(1).trim());
  const met = target.startsWith('≥') ? value >= bound : value <= bound;
  return { label, value, target, met };
}

/** The Markdown table of every ratio of every result. */
export function ratioTable(results: readonly BenchResult[]): string {
  const rows = results.flatMap((result) =>
    result.ratios.map(
      (r) =>
        `| ${result.name} | ${r.label} | ${r.value.toFixed(3)} | ${r.target} | ${r.met ? 'met' : 'MISSED'} |`,
    ),
  );
  return ['| Benchmark | Ratio | Value | Target | |', '|---|---|---|---|---|', ...rows].join('\n');
}
