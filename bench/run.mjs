#!/usr/bin/env node
/**
 * Runs the benchmark suite: `npm run bench` (everything, up to 30 minutes) or
 * `npm run bench -- --quick` (a reduced set, under 3 minutes); `--only=latency,scale` narrows
 * it. Installs the bench's own dependencies (the peers) on first use, runs each benchmark in
 * its own process, one after the other, and prints a markdown summary of the headline
 * figures, also written to results/summary.md (quick runs: results/quick/).
 * Needs `npm ci && npm run build` at the root first (the bench measures dist/, as a user would).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const BENCHES = ['latency', 'incremental', 'overhead', 'throughput', 'recovery', 'takeover', 'scale'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const selected = only ?? BENCHES;

if (!existsSync(join(BENCH_DIR, '..', 'dist', 'index.js'))) {
  console.error('bench: dist/ is missing: run `npm ci && npm run build` at the repository root first');
  process.exit(2);
}
const peers = ['graphile-worker', 'pg-boss', 'bullmq', 'ioredis', '@dbos-inc/dbos-sdk'];
if (peers.some((p) => !existsSync(join(BENCH_DIR, 'node_modules', p, 'package.json')))) {
  console.log('bench: installing the benchmark dependencies (bench/package-lock.json)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: BENCH_DIR, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// Imported only now: lib/ needs nothing from bench/node_modules, but report.mjs reads peer versions.
const { RESULTS_DIR, headlineRow } = await import('./lib/report.mjs');

const t0 = performance.now();
const outcomes = [];
for (const name of selected) {
  if (!BENCHES.includes(name)) {
    console.error(`bench: no benchmark "${name}" (have: ${BENCHES.join(', ')})`);
    process.exit(2);
  }
  console.log(`\n### ${name}${quick ? ' (quick)' : ''}\n`);
  const started = performance.now();
  const r = spawnSync(process.execPath, [join(BENCH_DIR, `${name}.mjs`), ...(quick ? ['--quick'] : [])], {
    stdio: 'inherit',
    env: { ...process.env, BATON_LOG_LEVEL: 'error' },
  });
  outcomes.push({ name, ok: r.status === 0, seconds: (performance.now() - started) / 1000 });
}

const results = outcomes
  .filter((o) => o.ok)
  .map((o) => JSON.parse(readFileSync(join(RESULTS_DIR, `${o.name}.json`), 'utf8')));
const m = results[0]?.machine;
const lines = [`# Baton benchmarks: ${quick ? 'quick' : 'full'} run, ${new Date().toISOString()}`, ''];
if (m) {
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; disk ${m.disk.filesystem} (${m.disk.type}, ${m.disk.size}, ${m.disk.available} free) at ${m.disk.mountedOn}; ` +
      `Node ${m.node}; SQLite ${m.sqlite}; Postgres ${m.postgres.version ?? m.postgres.error} (fsync ${m.postgres.fsync}, synchronous_commit ${m.postgres.synchronousCommit}); ` +
      `Redis ${m.redis?.version ?? 'unavailable'}; Baton at ${m.baton.commit}${m.baton.srcUncommittedChanges ? ` (+${m.baton.srcUncommittedChanges} uncommitted src files)` : ''}, dist ${m.baton.distFingerprint} built ${m.baton.distBuiltAt}; peers ${Object.entries(
        m.peers,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; load average at start ${m.loadAverageAtStart.join(' ')}.`,
    '',
  );
}
const fingerprints = new Set(results.map((r) => r.machine.baton.distFingerprint));
if (fingerprints.size > 1) {
  lines.push(
    `**Warning: dist/ changed during this run (${[...fingerprints].join(', ')}): the benchmarks measured different builds.**`,
    '',
  );
}
lines.push('| Headline | Value | Goal |', '| --- | --- | --- |');
for (const r of results) {
  lines.push(`| **${r.title}** | | |`);
  for (const h of r.headline) lines.push(headlineRow(h));
}
lines.push('', '| Benchmark | Outcome | Seconds |', '| --- | --- | --- |');
for (const o of outcomes) lines.push(`| ${o.name} | ${o.ok ? 'ok' : '**failed**'} | ${o.seconds.toFixed(0)} |`);
lines.push(
  '',
  `Total: ${((performance.now() - t0) / 1000).toFixed(0)} s. Details: ${relative(join(BENCH_DIR, '..'), RESULTS_DIR)}/<name>.json.`,
  '',
);
const summary = lines.join('\n');
writeFileSync(join(RESULTS_DIR, 'summary.md'), summary);
console.log(`\n${summary}`);
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
