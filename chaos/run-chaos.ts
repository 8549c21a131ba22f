/**
 * One chaos run: a store, several worker processes, a steady stream of multi-step jobs, and a
 * seeded schedule of kills, crash points, pauses, handoffs and database trouble. Afterwards the
 * jobs drain on healthy nodes and every job is checked against the design's invariants.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openChaosStore } from './chaos-store.js';
import { JobStream } from './job-stream.js';
import { Ledger } from './ledger.js';
import { NodePool, type ChaosNode } from './nodes.js';
import { rng } from './prng.js';
import type { ChaosReport } from './report.js';
import { emptyCounts, runSchedule } from './schedule.js';
import { summarizeRun } from './summarize-run.js';

export interface ChaosOptions {
  /** How long the chaos lasts (the drain comes after), ms. */
  durationMs: number;
  /** 'sqlite' (a fresh file), 'postgres' (a fresh embedded server), or a store URL. @defaultValue 'sqlite' */
  store?: string;
  seed: number;
  /** Worker processes kept running. @defaultValue 4 */
  nodes?: number;
  /** Jobs each node runs at once. @defaultValue 3 */
  concurrency?: number;
  /** @defaultValue 250 */
  heartbeatIntervalMs?: number;
  /** @defaultValue 2000 */
  heartbeatTimeoutMs?: number;
  /** Longest wait for the last jobs to finish once the chaos stops, ms. @defaultValue 90_000 */
  drainTimeoutMs?: number;
  /** Keep the run folder (store file, ledger) even when the run passes. @defaultValue false */
  keepDir?: boolean;
  log?: (line: string) => void;
  /** Aborting ends the chaos early; the run then drains, stops its nodes and reports. */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  // Stamped with the harness clock that also stamps node events (see nodeStory).
  const log = (line: string) => o.log?.(`+${String(Math.round(performance.now())).padStart(6)}ms ${line}`);
  const K = o.nodes ?? 4;
  const concurrency = o.concurrency ?? 3;
  const hbMs = o.heartbeatIntervalMs ?? 250;
  const hbTimeoutMs = o.heartbeatTimeoutMs ?? 2000;
  const dir = mkdtempSync(join(tmpdir(), 'baton-chaos-'));
  const cs = await openChaosStore(o.store ?? 'sqlite', dir);
  const ledgerPath = join(dir, 'ledger.db');
  const ledger = new Ledger(ledgerPath);
  const counts = emptyCounts();
  let phase: 'chaos' | 'drain' | 'stopping' = 'chaos';

  // Replacements keep K unarmed nodes alive (armed ones are extras that die at their point).
  const replacing = rng(o.seed ^ 0x5bd1e995);
  const pool: NodePool = new NodePool(
    {
      STORE: cs.url,
      LEDGER: ledgerPath,
      CONCURRENCY: String(concurrency),
      HB_MS: String(hbMs),
      HB_TIMEOUT_MS: String(hbTimeoutMs),
    },
    (node: ChaosNode) => {
      const delay = replacing.int(200, 1500);
      if (phase === 'stopping' || node.crashAt !== null) return;
      setTimeout(() => {
        if (phase === 'stopping' || pool.alive().filter((n) => n.crashAt === null).length >= K) return;
        const fresh = pool.start();
        counts.replacements++;
        log(
          `  ${node.label} exited (${node.exit?.signal ?? `code ${node.exit?.code}`}): replacement ${fresh.label} started`,
        );
      }, delay);
    },
  );

  const started = performance.now();
  const stream = new JobStream(
    cs.store,
    rng(o.seed ^ 0x9e3779b9),
    `chaos-${o.seed}-${Date.now().toString(36)}`,
    Math.ceil(K * concurrency * 1.5),
  );
  let streamDone = false;
  let streaming: Promise<void> = Promise.resolve();
  let chaosMs = 0;
  try {
    const first = Array.from({ length: K }, () => pool.start());
    for (const n of first) {
      if (!(await pool.waitStarted(n)))
        throw new Error(`node ${n.label} did not start: ${n.exit?.stderr.slice(-2000) ?? ''}`);
    }
    log(
      `${K} nodes up after ${Math.round(performance.now() - started)} ms; chaos for ${Math.round(o.durationMs / 1000)} s (seed ${o.seed})`,
    );
    streaming = stream.run(
      () => phase === 'chaos',
      () => streamDone,
    );
    const chaosStart = performance.now();
    const until = chaosStart + o.durationMs;
    const status = setInterval(
      () =>
        log(
          `  t=${Math.round((performance.now() - chaosStart) / 1000)}s submitted ${stream.submitted.size}, unfinished ${stream.pending}, nodes running ${pool.active().length}`,
        ),
      10_000,
    );
    try {
      const stopped = () => o.signal?.aborted === true;
      await runSchedule({ pool, store: cs, r: rng(o.seed), hbTimeoutMs, until, counts, log, stopped });
      while (performance.now() < until && !stopped()) await sleep(Math.min(250, until - performance.now()));
    } finally {
      clearInterval(status);
    }
    chaosMs = performance.now() - chaosStart;

    phase = 'drain';
    await stream.settle();
    // An interrupted run drains briefly: it only has to stop cleanly and report.
    const drainUntil = performance.now() + (o.signal?.aborted === true ? 10_000 : (o.drainTimeoutMs ?? 90_000));
    log(`chaos over: draining ${stream.pending} unfinished job(s)`);
    while (stream.pending > 0 && performance.now() < drainUntil) await sleep(200);
    log(`drained in ${Math.round(performance.now() - chaosStart - chaosMs)} ms (${stream.pending} unfinished)`);
  } finally {
    phase = 'stopping';
    streamDone = true;
    await streaming;
    await pool.stopAll();
  }

  const report = await summarizeRun({
    o,
    cs: cs.store,
    ledger: ledger.rows(),
    stream,
    pool,
    counts,
    chaosMs,
    K,
    concurrency,
    backend: cs.backend,
    shownUrl: cs.shownUrl,
    dir,
  });
  ledger.close();
  await cs.close();
  // Kept with the store file and the ledger when the run fails, for a post-mortem.
  writeFileSync(join(dir, 'node-events.jsonl'), pool.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  for (const n of pool.nodes.values()) if (n.exit?.stderr) writeFileSync(join(dir, `${n.label}.stderr`), n.exit.stderr);
  if (report.violations.length === 0 && o.keepDir !== true) rmSync(dir, { recursive: true, force: true });
  return report;
}
