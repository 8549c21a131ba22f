/**
 * pg-boss in the throughput benchmark. pg-boss 10 has no per-worker concurrency setting: a
 * worker fetches up to `batchSize` jobs per poll and hands them to the handler together, and
 * polls again after `pollingIntervalSeconds` (0.5 s at the least) minus the time the batch
 * took. Concurrency C is one worker with batchSize C (C jobs in flight at once), polling at
 * the minimum interval. Its completions are sent without waiting, so "completed" is confirmed
 * by the job table. VARIANT=tuned skips the polling pause: the handler calls the public
 * `notifyWorker(id)` after each batch, so the worker fetches again at once.
 */
import PgBoss from 'pg-boss';
import { pg } from '../lib/env.mjs';
import { env, finish, runJobs } from './drive.mjs';

const QUEUE = 'noop';
const boss = new PgBoss({ connectionString: env.url, schedule: false });
boss.on('error', () => {});
await boss.start();
await boss.createQueue(QUEUE);
let completed = 0;
let workerId = null;
workerId = await boss.work(QUEUE, { batchSize: env.concurrency, pollingIntervalSeconds: 0.5 }, async (jobs) => {
  completed += jobs.length;
  if (env.variant === 'tuned' && workerId !== null) boss.notifyWorker(workerId);
});
const confirmClient = new pg.Client({ connectionString: env.url });
await confirmClient.connect();

await runJobs({
  submit: () => boss.send(QUEUE, {}),
  completed: () => completed,
  confirm: async () =>
    (
      await confirmClient.query("SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state <> 'completed'", [
        QUEUE,
      ])
    ).rows[0].n === 0,
});
await finish(async () => {
  await confirmClient.end();
  await boss.stop({ graceful: false, wait: false });
});
