/**
 * DBOS Transact in the throughput benchmark, its system database on the same Postgres.
 * Jobs: a no-op workflow enqueued on a DBOS queue with workerConcurrency C (submit →
 * completed, like the job queues); VARIANT=direct starts workflows directly (no queue) with
 * C in flight. Steps: C workflows at once, each running tiny `DBOS.runStep` steps (each one
 * is durably recorded before the next) until the deadline.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { pg } from '../lib/env.mjs';
import { nowWall } from '../lib/proc.mjs';
import { env, finish, runJobs, runSteps } from './drive.mjs';

DBOS.setConfig({ name: 'baton-bench', systemDatabaseUrl: env.url, logLevel: 'error' });
const noop = DBOS.registerWorkflow(async () => null, { name: 'noop' });
const steps = DBOS.registerWorkflow(
  async (deadline) => {
    const start = nowWall();
    let i = 0;
    while (nowWall() < deadline) {
      const n = i;
      await DBOS.runStep(async () => n, { name: 'tiny' });
      i++;
    }
    return { start, end: nowWall(), steps: i };
  },
  { name: 'steps' },
);
await DBOS.launch();
const QUEUE = 'bench';
await DBOS.registerQueue(QUEUE, { workerConcurrency: env.concurrency });
const confirmClient = new pg.Client({ connectionString: env.url });
await confirmClient.connect();

let completed = 0;
if (env.mode === 'jobs') {
  const direct = env.variant === 'direct';
  await runJobs({
    submit: async () => {
      const handle = await DBOS.startWorkflow(noop, direct ? {} : { queueName: QUEUE })();
      if (direct) {
        await handle.getResult();
        completed++;
      } else void handle.getResult().then(() => completed++);
    },
    completed: () => completed,
    confirm: async () =>
      (await confirmClient.query("SELECT count(*)::int AS n FROM dbos.workflow_status WHERE status <> 'SUCCESS'"))
        .rows[0].n === 0,
  });
} else {
  await runSteps((c, deadline) =>
    Promise.all(Array.from({ length: c }, async () => (await DBOS.startWorkflow(steps)(deadline)).getResult())),
  );
}
await finish(async () => {
  await confirmClient.end();
  await DBOS.shutdown();
});
