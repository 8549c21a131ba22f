/**
 * One run of the overhead job (bench/overhead.mjs) in its own process: UNITS units of mixed
 * work (lib/work.mjs) with 10 KB of state that changes at every unit, checkpointIfNeeded()
 * after each, under STRATEGY, on a fresh SQLite store. MODE=notyet instead measures the
 * not-yet path of checkpointIfNeeded() in ns per call (run with --expose-gc).
 * Env: STORE, STRATEGY, UNITS, SCRATCH, MODE (run | notyet), INTERVAL_MS (time strategy).
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { CheckpointManager, ResumableTaskExecutor, silentLogger } from '../lib/baton.mjs';
import { emit } from '../lib/proc.mjs';
import { newRing, openWorkload, record } from '../lib/work.mjs';

const env = process.env;
const strategy = env.STRATEGY ?? 'automatic';
const manager = new CheckpointManager({
  store: env.STORE,
  strategy,
  checkpointIntervalMs: Number(env.INTERVAL_MS ?? 30_000),
  logger: silentLogger,
});
const executor = new ResumableTaskExecutor(manager);

async function job(ctx) {
  const units = Number(env.UNITS);
  const work = await openWorkload(env.SCRATCH);
  const ring = newRing();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < units; i++) {
    record(ring, i, await work.unit(i));
    ctx.setState('ring', ring);
    ctx.setState('cursor', i + 1);
    ctx.updateProgress((i + 1) / units);
    await ctx.checkpointIfNeeded();
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await work.close();
  const s = ctx.stats;
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    blockedMs: s.blockedMs,
    checkpoints: s.checkpoints,
    bytesWritten: s.bytesWritten,
  };
}

/** ns per call of the not-yet path, against an empty function returning a settled promise. */
async function notYet(ctx) {
  ctx.setState('ring', newRing());
  await ctx.checkpoint(); // the next one is due in ≥ 1 s (AUTOMATIC)
  const calls = Number(env.CALLS ?? 5_000_000);
  const settled = Promise.resolve(false);
  const baseline = () => settled;
  let gcs = 0;
  const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  obs.observe({ entryTypes: ['gc'] });
  /** ns per call, and minor GCs per million calls (a path that allocates nothing causes none). */
  const timeSync = async (fn, expected) => {
    for (let i = 0; i < 100_000; i++) fn(); // warm-up (JIT)
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 20)); // let that gc's entry arrive first
    const g0 = gcs;
    const t0 = performance.now();
    let due = 0;
    for (let i = 0; i < calls; i++) if (fn() !== expected) due++;
    const ns = ((performance.now() - t0) * 1e6) / calls;
    await new Promise((r) => setTimeout(r, 50)); // gc entries are delivered asynchronously
    return { ns, gcsPerMillion: ((gcs - g0) * 1e6) / calls, due };
  };
  const timeAwait = async (fn) => {
    const n = calls / 5;
    for (let i = 0; i < 100_000; i++) await fn();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return ((performance.now() - t0) * 1e6) / n;
  };
  const before = ctx.stats.checkpoints;
  const notDue = ctx.checkpointIfNeeded(); // the settled promise the not-yet path returns
  const sync = await timeSync(() => ctx.checkpointIfNeeded(), notDue);
  const base = await timeSync(baseline, settled);
  const clock = await timeSync(() => (performance.now() < 0 ? null : settled), settled);
  const awaited = await timeAwait(() => ctx.checkpointIfNeeded());
  const awaitedBase = await timeAwait(baseline);
  obs.disconnect();
  return {
    syncNs: sync.ns,
    syncGcsPerMillion: sync.gcsPerMillion,
    baselineSyncNs: base.ns,
    baselineGcsPerMillion: base.gcsPerMillion,
    clockNs: clock.ns,
    clockGcsPerMillion: clock.gcsPerMillion,
    awaitedNs: awaited,
    baselineAwaitedNs: awaitedBase,
    checkpointsDuringLoop: ctx.stats.checkpoints - before + sync.due,
    calls,
  };
}

try {
  const t0 = performance.now();
  const result = await executor.executeResumable({
    jobId: `overhead-${strategy}`,
    taskFunc: env.MODE === 'notyet' ? notYet : job,
  });
  emit('result', { strategy, totalMs: performance.now() - t0, ...result });
} finally {
  await executor.close();
}
