/**
 * The measuring loop shared by every system in the throughput benchmark, so each is driven
 * the same way: submit n no-op jobs with at most WINDOW submits in flight while the system's
 * worker runs, and time from the first submit until the last job is completed (and, where a
 * system acknowledges before its completion commits, until the database shows it completed).
 * Steps: c jobs run at once, each doing durably recorded tiny steps until a shared deadline.
 */
import { performance } from 'node:perf_hooks';
import { emit, nowWall } from '../lib/proc.mjs';

export const env = {
  url: process.env.URL,
  mode: process.env.MODE ?? 'jobs',
  concurrency: Number(process.env.CONCURRENCY ?? 8),
  jobs: Number(process.env.JOBS ?? 1000),
  warmup: Number(process.env.WARMUP ?? 50),
  capMs: Number(process.env.CAP_MS ?? 10_000),
  stepsMs: Number(process.env.STEPS_MS ?? 3_000),
  variant: process.env.VARIANT ?? 'default',
};
/** Submits in flight at most, for every system. */
export const WINDOW = 64;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function submitAll(n, submit) {
  let next = 0;
  const lane = async () => {
    while (next < n) await submit(next++);
  };
  await Promise.all(Array.from({ length: Math.min(WINDOW, n) }, lane));
}

/**
 * `submit(i)` adds one job; `completed()` counts completions seen; `confirm()` (optional)
 * resolves true once the store shows every submitted job completed.
 */
export async function measureJobs({ n, capMs, submit, completed, confirm }) {
  const base = completed();
  const t0 = performance.now();
  let submitError = null;
  const submitting = submitAll(n, submit).catch((err) => (submitError = err));
  while (completed() - base < n && performance.now() - t0 < capMs && submitError === null) await sleep(1);
  if (submitError) throw submitError;
  const done = completed() - base;
  if (done >= n && confirm) while (!(await confirm()) && performance.now() - t0 < capMs) await sleep(1);
  const elapsedMs = performance.now() - t0;
  void submitting;
  return { completed: done, elapsedMs, perSec: (done * 1000) / elapsedMs, capped: done < n };
}

/** Warm-up, then the timed run; prints the result line. */
export async function runJobs(system) {
  if (env.warmup > 0) await measureJobs({ ...system, n: env.warmup, capMs: 30_000 });
  const r = await measureJobs({ ...system, n: env.jobs, capMs: env.capMs });
  emit('result', r);
}

/**
 * Steps: `startJobs(c, deadlineWall)` starts c jobs that each loop `await step(i)` until the
 * wall-clock deadline and resolve to `{ start, end, steps }`. Steps per second over all jobs.
 */
export async function runSteps(startJobs) {
  // Warm-up: a short round of the same shape.
  await startJobs(env.concurrency, nowWall() + 300);
  const deadline = nowWall() + 200 + env.stepsMs;
  const runs = await startJobs(env.concurrency, deadline);
  const start = Math.min(...runs.map((r) => r.start));
  const end = Math.max(...runs.map((r) => r.end));
  const steps = runs.reduce((a, r) => a + r.steps, 0);
  emit('result', { steps, elapsedMs: end - start, perSec: (steps * 1000) / (end - start), jobs: runs.length });
}

/** Ends the child after `close()`, or after 5 s if closing hangs (a capped run leaves work queued). */
export async function finish(close) {
  // Work still in flight (a capped run) may fail as its system shuts down: the result is out.
  process.on('unhandledRejection', () => {});
  process.on('uncaughtException', () => {});
  const timer = setTimeout(() => process.exit(0), 5000);
  try {
    await close();
  } catch {
    // the measurement is already printed
  }
  clearTimeout(timer);
  process.exit(0);
}
