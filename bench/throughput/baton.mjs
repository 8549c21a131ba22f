/** Baton in the throughput benchmark: a Worker (concurrency C) and a Client in one process. Env: URL (store), see drive.mjs. */
import { Client, Worker, defineTask, silentLogger } from '../lib/baton.mjs';
import { nowWall } from '../lib/proc.mjs';
import { env, finish, runJobs, runSteps } from './drive.mjs';

const noop = defineTask({ name: 'noop', run: async () => null });
const steps = defineTask({
  name: 'steps',
  run: async (ctx, input) => {
    const start = nowWall();
    let i = 0;
    while (nowWall() < input.deadline) await ctx.step(`s${i}`, () => i++);
    return { start, end: nowWall(), steps: i };
  },
});

const worker = new Worker({ store: env.url, tasks: [noop, steps], concurrency: env.concurrency, logger: silentLogger });
const client = new Client({ store: env.url });
let completed = 0;
const waiting = new Map();
const early = new Map();
worker.on('job:completed', (e) => {
  completed++;
  const resolve = waiting.get(e.jobId);
  if (resolve) resolve(e.result);
  else early.set(e.jobId, e.result);
});
const resultOf = (jobId) =>
  early.has(jobId) ? Promise.resolve(early.get(jobId)) : new Promise((resolve) => waiting.set(jobId, resolve));
await worker.start();

if (env.mode === 'jobs') {
  await runJobs({ submit: () => client.submit(noop, {}), completed: () => completed });
} else {
  await runSteps((c, deadline) =>
    Promise.all(Array.from({ length: c }, async () => resultOf((await client.submit(steps, { deadline })).jobId))),
  );
}
await finish(async () => {
  await worker.stop({ timeoutMs: 2000 });
  await client.close();
});
