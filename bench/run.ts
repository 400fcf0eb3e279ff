import 'reflect-metadata';
import { dispatchBenchmark } from './dispatch.bench.js';
import { publishBenchmark } from './publish.bench.js';
import { consumeBenchmark } from './consume.bench.js';
import { latencyBenchmark } from './latency.bench.js';
import { ceilingsBenchmark } from './ceilings.bench.js';
import { outboxWriteBenchmark, relayDrainBenchmark } from './outbox.bench.js';
import { ratioTable, writeResult, type Benchmark, type BenchResult } from './support/report.js';

/** Every benchmark, in the order `npm run bench` runs them. Add new ones here. */
const BENCHMARKS: readonly Benchmark[] = [
  dispatchBenchmark,
  publishBenchmark,
  consumeBenchmark,
  outboxWriteBenchmark,
  relayDrainBenchmark,
  latencyBenchmark,
  ceilingsBenchmark,
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !BENCHMARKS.some((bench) => bench.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; available: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
  );
  process.exit(2);
}

const results: BenchResult[] = [];
for (const bench of BENCHMARKS.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
  console.log(`\n## ${bench.name}: ${bench.description}`);
  const result = await bench.run();
  for (const [variant, summary] of Object.entries(result.variants)) {
    console.log(
      `${variant.padEnd(48)} median ${summary.median.toFixed(0).padStart(10)} ${result.unit}  spread ${(summary.spread * 100).toFixed(1)} %`,
    );
  }
  console.log(`written ${writeResult(result)}`);
  results.push(result);
}
console.log(`\n${ratioTable(results)}`);
