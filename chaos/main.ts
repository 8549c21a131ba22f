/**
 * `npm run chaos -- --minutes N [--store sqlite|postgres|URL] [--seed S] [--nodes K]`
 *
 * Runs the chaos harness and prints its report; exits 1 on any violation. `--store postgres`
 * starts a private embedded Postgres (which the harness may restart); a postgres:// URL is used
 * as it is and never restarted. Other flags: --concurrency C (jobs per node), --keep (keep the
 * run folder), --quiet (only the report).
 */
import { parseArgs } from 'node:util';
import { randomSeed } from './prng.js';
import { formatReport } from './report.js';
import { runChaos } from './run-chaos.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    store: { type: 'string', default: 'sqlite' },
    seed: { type: 'string' },
    nodes: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const number = (name: string, text: string, min: number): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name} must be a number of at least ${min}, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
};

const seed = values.seed === undefined ? randomSeed() : number('seed', values.seed, 0);
const minutes = number('minutes', values.minutes!, 0.05);
console.log(`chaos: seed ${seed} (replay with --seed ${seed}), ${minutes} min on ${values.store}`);
// Ctrl-C ends the chaos early: the run still drains, stops its nodes (none is left behind) and reports.
const interrupt = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.log(`${sig}: ending the chaos early`);
    interrupt.abort();
  });
}
const report = await runChaos({
  durationMs: minutes * 60_000,
  store: values.store,
  seed,
  nodes: number('nodes', values.nodes!, 2),
  concurrency: number('concurrency', values.concurrency!, 1),
  keepDir: values.keep,
  log: values.quiet ? undefined : (line) => console.log(line),
  signal: interrupt.signal,
});
console.log(formatReport(report));
process.exit(report.violations.length === 0 ? 0 : 1);
