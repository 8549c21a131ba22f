/**
 * A worker node process for the multi-process benchmarks (takeover, scale). It serves:
 * - `long`: a job that never ends by itself: units of 50 ms (a wait) with a cursor and 1 KB
 *   of state, checkpointIfNeeded() after each; prints `work` when the task starts running
 *   on this node (the first new work after a takeover) with the unit it resumes from;
 * - `hold`: a job that sleeps and checkpoints (1 KB of state) every CHECKPOINT_MS until
 *   cancelled, printing each checkpoint's latency (the scale benchmark's running jobs).
 * Prints one JSON line per Worker event. SIGTERM hands its jobs off (Worker.handleSignals).
 * Env: STORE, NODE_ID, CONCURRENCY, HB_MS, HB_TIMEOUT_MS (defaults when unset), CHECKPOINT_MS.
 */
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker, defineTask, silentLogger } from '../lib/baton.mjs';
import { emit } from '../lib/proc.mjs';

const env = process.env;
const node = env.NODE_ID;
const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

const long = defineTask({
  name: 'long',
  run: async (ctx) => {
    let i = ctx.getState('cursor', 0);
    emit('work', { node, jobId: ctx.jobId, attempt: ctx.attempt, from: i });
    const blob = Buffer.alloc(1024);
    while (!ctx.signal.aborted) {
      await sleep(50, ctx.signal);
      ctx.setState('cursor', ++i);
      ctx.setState('blob', randomFillSync(blob));
      await ctx.checkpointIfNeeded();
    }
    ctx.signal.throwIfAborted();
  },
});

const hold = defineTask({
  name: 'hold',
  run: async (ctx) => {
    const every = Number(env.CHECKPOINT_MS ?? 1000);
    const blob = Buffer.alloc(1024);
    emit('work', { node, jobId: ctx.jobId, attempt: ctx.attempt });
    await sleep(Math.random() * every, ctx.signal); // spread the jobs' checkpoints over the interval
    while (!ctx.signal.aborted) {
      ctx.setState('blob', randomFillSync(blob));
      const t0 = performance.now();
      await ctx.checkpoint();
      emit('checkpoint', { node, ms: performance.now() - t0 });
      await sleep(every, ctx.signal);
    }
    ctx.signal.throwIfAborted();
  },
});

const options = {
  store: env.STORE,
  nodeId: node,
  tasks: [long, hold],
  concurrency: Number(env.CONCURRENCY ?? 4),
  logger: silentLogger,
};
if (env.HB_MS) options.heartbeatIntervalMs = Number(env.HB_MS);
if (env.HB_TIMEOUT_MS) options.heartbeatTimeoutMs = Number(env.HB_TIMEOUT_MS);
const worker = new Worker(options);
for (const e of ['job:claimed', 'job:takeover', 'job:completed', 'job:failed', 'lease:lost', 'node:dead']) {
  worker.on(e, (d) =>
    emit(e, { node, jobId: d.jobId, attempt: d.attempt, epoch: d.epoch, fromNode: d.fromNode, dead: d.label }),
  );
}
worker.handleSignals();
await worker.start();
emit('started', { node, pid: process.pid });
// Memory, on request of the parent (SIGUSR2): what the scale benchmark divides by running jobs.
process.on('SIGUSR2', () => {
  globalThis.gc?.(); // with --expose-gc: live memory, not garbage not yet collected
  const m = process.memoryUsage();
  emit('memory', { node, rss: m.rss, heapUsed: m.heapUsed, external: m.external, running: worker.runningJobs.length });
});
