/**
 * The job of the recovery benchmark (bench/recovery.mjs): UNITS units of 100 ms (5 ms of CPU,
 * 95 ms of waiting, like a job that calls services), a cursor and 10 KB of state,
 * checkpointIfNeeded() after each unit. Run again after a SIGKILL, it resumes from its latest
 * checkpoint (or from zero under strategy none). Prints `start` (with the unit it resumes
 * from), `unit` after each unit, and the result.
 * Env: STORE, STRATEGY, INTERVAL_MS, UNITS.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CheckpointManager, ResumableTaskExecutor, silentLogger } from '../lib/baton.mjs';
import { emit } from '../lib/proc.mjs';
import { newRing, record } from '../lib/work.mjs';

const env = process.env;
const manager = new CheckpointManager({
  store: env.STORE,
  strategy: env.STRATEGY,
  checkpointIntervalMs: Number(env.INTERVAL_MS ?? 30_000),
  logger: silentLogger,
});
const executor = new ResumableTaskExecutor(manager);
const units = Number(env.UNITS);

function cpu(ms, seed) {
  const until = performance.now() + ms;
  let d = Buffer.from(seed);
  while (performance.now() < until) d = createHash('sha256').update(d).digest();
  return d.toString('hex', 0, 8);
}

try {
  await executor.executeResumable({
    jobId: 'recovery',
    taskFunc: async (ctx) => {
      let i = ctx.getState('cursor', 0);
      const ring = ctx.getState('ring', newRing());
      emit('start', { from: i });
      for (; i < units; i++) {
        record(ring, i, cpu(5, `u${i}`));
        await new Promise((r) => setTimeout(r, 95));
        ctx.setState('cursor', i + 1);
        ctx.updateProgress((i + 1) / units);
        await ctx.checkpointIfNeeded();
        emit('unit', { i: i + 1 });
      }
      return { checkpoints: ctx.stats.checkpoints };
    },
  });
  emit('result', {});
} finally {
  await executor.close();
}
