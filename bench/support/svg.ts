/** One line of a CDF chart: a name and its latencies (any order). */
export interface CdfSeries {
  readonly name: string;
  readonly values: readonly number[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function fmt(ms: number): string {
  return Number.isFinite(ms) ? ms.toFixed(1) : '∞ (lost)';
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A hand-built SVG of the cumulative distribution of each series on a logarithmic x axis (ms), with
 * a dashed vertical line at `markerMs` (the target) and horizontal guides at p50, p95 and p99.
 */
export function cdfSvg(title: string, series: readonly CdfSeries[], markerMs?: number): string {
  const width = 900;
  const height = 520;
  const left = 70;
  const right = 300;
  const top = 50;
  const bottom = 60;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = series.flatMap((s) => s.values).filter((v) => v > 0 && Number.isFinite(v));
  const minMs = Math.max(0.1, 10 ** Math.floor(Math.log10(Math.min(...all))));
  const maxMs = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const x = (ms: number) =>
    left +
    ((Math.log10(Math.max(ms, minMs)) - Math.log10(minMs)) / (Math.log10(maxMs) - Math.log10(minMs))) * plotW;
  const y = (fraction: number) => top + (1 - fraction) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="25" font-size="15" font-weight="bold">${escape(title)}</text>`,
  );
  // Grid: decades and 2/5 in between on x; tenths on y.
  for (let decade = minMs; decade < maxMs * 1.001; decade *= 10) {
    for (const step of [1, 2, 5]) {
      const ms = decade * step;
      if (ms > maxMs * 1.001) break;
      const px = x(ms).toFixed(1);
      parts.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${top + plotH}" stroke="#ddd"/>`);
      parts.push(`<text x="${px}" y="${top + plotH + 16}" text-anchor="middle">${+ms.toPrecision(3)}</text>`);
    }
  }
  for (let tenth = 0; tenth <= 10; tenth++) {
    const py = y(tenth / 10).toFixed(1);
    parts.push(`<line x1="${left}" y1="${py}" x2="${left + plotW}" y2="${py}" stroke="#eee"/>`);
    parts.push(
      `<text x="${left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${tenth / 10}</text>`,
    );
  }
  for (const [fraction, label] of [
    [0.5, 'p50'],
    [0.95, 'p95'],
    [0.99, 'p99'],
  ] as const) {
    const py = y(fraction).toFixed(1);
    parts.push(
      `<line x1="${left}" y1="${py}" x2="${left + plotW}" y2="${py}" stroke="#999" stroke-dasharray="2,3"/>`,
    );
    parts.push(
      `<text x="${left + plotW + 4}" y="${py}" dominant-baseline="middle" fill="#666">${label}</text>`,
    );
  }
  if (markerMs !== undefined) {
    const px = x(markerMs).toFixed(1);
    parts.push(
      `<line x1="${px}" y1="${top}" x2="${px}" y2="${top + plotH}" stroke="#000" stroke-dasharray="6,4"/>`,
    );
    parts.push(`<text x="${px}" y="${top - 6}" text-anchor="middle">target ${markerMs} ms</text>`);
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${left + plotW / 2}" y="${height - 18}" text-anchor="middle">latency, ms (log scale): commit → handler start</text>`,
    `<text x="18" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 18 ${top + plotH / 2})">fraction of messages ≤ x</text>`,
  );
  series.forEach((s, index) => {
    const colour = COLOURS[index % COLOURS.length]!;
    const sorted = [...s.values].sort((a, b) => a - b);
    const n = sorted.length;
    // A step per sample would be huge: keep every point of the tail and ~400 points elsewhere.
    const stride = Math.max(1, Math.floor(n / 400));
    const points: string[] = [];
    for (let i = 0; i < n; i++) {
      // Lost or failed messages (Infinity) are never reached: the curve stops below 1.
      if (!Number.isFinite(sorted[i]!)) break;
      if (i % stride !== 0 && i < n - Math.ceil(n * 0.02) && i !== n - 1) continue;
      points.push(`${x(sorted[i]!).toFixed(1)},${y((i + 1) / n).toFixed(1)}`);
    }
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.6" points="${points.join(' ')}"/>`);
    const ly = top + 14 + index * 34;
    const p = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
    parts.push(
      `<line x1="${left + plotW + 34}" y1="${ly}" x2="${left + plotW + 58}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${left + plotW + 64}" y="${ly + 4}">${escape(s.name)}</text>`,
      `<text x="${left + plotW + 64}" y="${ly + 18}" fill="#555">n=${n}, p50 ${fmt(p(0.5))}, p99 ${fmt(p(0.99))} ms</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
