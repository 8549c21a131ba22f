/**
 * Spread of a figure over repeated runs. Every figure the suite reports is a summary of its
 * samples: median, p99, min, max (and n), never a single run, because this machine is shared.
 */

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * { n, median, p99, min, max, mean } of the samples; `unit` is carried along for the report,
 * and up to 200 samples themselves (in the order measured) for later reading of the JSON.
 */
export function summarize(samples, unit = 'ms') {
  const s = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return { unit, n: 0, median: NaN, p99: NaN, min: NaN, max: NaN, mean: NaN };
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const kept = samples.length <= 200 ? { samples: samples.map((x) => Number(x.toPrecision(5))) } : {};
  return { unit, n: s.length, median, p99: percentile(s, 99), min: s[0], max: s[s.length - 1], mean, ...kept };
}

/** Summaries of paired ratios a[i] / b[i] (interleaved runs give pairs). */
export function pairedRatios(a, b) {
  const n = Math.min(a.length, b.length);
  const r = [];
  for (let i = 0; i < n; i++) r.push(a[i] / b[i]);
  return summarize(r, '×');
}

/** Ratio of two medians (the headline form: one number, both sides measured in this run). */
export const ratio = (num, den) => (Number.isFinite(num) && Number.isFinite(den) && den !== 0 ? num / den : NaN);

/** Number formatting for tables: 3 significant digits, thousands kept whole. */
export function fmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a === 0) return '0';
  return Number(x.toPrecision(digits)).toString();
}

/** "median (p99 …, min–max)" in one cell. */
export function spread(s) {
  if (!s || s.n === 0) return '–';
  if (s.n === 1) return `${fmt(s.median)}`;
  return `${fmt(s.median)} (p99 ${fmt(s.p99)}, ${fmt(s.min)}–${fmt(s.max)}, n=${s.n})`;
}

export const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 3)}×` : '–');
