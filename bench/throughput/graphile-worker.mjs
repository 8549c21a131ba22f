/**
 * graphile-worker in the throughput benchmark: run() with concurrency C and its own pool,
 * jobs added through the runner (one addJob per job). VARIANT=batched turns on what its
 * performance docs suggest for throughput: a local queue and batched completions.
 * Completed jobs are deleted by graphile-worker, so "completed" is confirmed by the jobs table.
 */
import { Logger, run } from 'graphile-worker';
import { pg } from '../lib/env.mjs';
import { env, finish, runJobs } from './drive.mjs';

const silent = new Logger(() => () => {});
const preset =
  env.variant === 'batched'
    ? {
        worker: {
          localQueue: { size: Math.max(env.concurrency * 2, 64) },
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
        },
      }
    : undefined;
const runner = await run({
  connectionString: env.url,
  concurrency: env.concurrency,
  noHandleSignals: true,
  logger: silent,
  taskList: { noop: async () => {} },
  ...(preset ? { preset } : {}),
});
let completed = 0;
runner.events.on('job:success', () => completed++);
const confirmClient = new pg.Client({ connectionString: env.url });
await confirmClient.connect();

await runJobs({
  submit: () => runner.addJob('noop', {}),
  completed: () => completed,
  confirm: async () =>
    (await confirmClient.query('SELECT count(*)::int AS n FROM graphile_worker._private_jobs')).rows[0].n === 0,
});
await finish(async () => {
  await confirmClient.end();
  await runner.stop();
});
