/**
 * BullMQ in the throughput benchmark, on the machine's Redis (its persistence is set by the
 * parent as BullMQ's production guide recommends: AOF, fsync every second). A Worker with
 * concurrency C; a job is completed when the Worker emits `completed` (after its Redis script
 * moved it). Steps: `job.updateData()` is BullMQ's way to save a job's progress, so C jobs
 * each call it in a loop until the deadline. Env: REDIS_URL, PREFIX.
 */
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { nowWall } from '../lib/proc.mjs';
import { env, finish, runJobs, runSteps } from './drive.mjs';

const connection = new IORedis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
const prefix = process.env.PREFIX;
const queue = new Queue('bench', { connection, prefix });
let completed = 0;
const waiting = new Map();
const worker = new Worker(
  'bench',
  async (job) => {
    if (job.name !== 'steps') return null;
    const start = nowWall();
    let i = 0;
    while (nowWall() < job.data.deadline) await job.updateData({ deadline: job.data.deadline, i: i++ });
    return { start, end: nowWall(), steps: i };
  },
  { connection, prefix, concurrency: env.concurrency },
);
worker.on('completed', (job, result) => {
  completed++;
  waiting.get(job.id)?.(result);
});
await worker.waitUntilReady();

if (env.mode === 'jobs') {
  await runJobs({ submit: () => queue.add('noop', {}), completed: () => completed });
} else {
  await runSteps((c, deadline) =>
    Promise.all(
      Array.from({ length: c }, async () => {
        const job = await queue.add('steps', { deadline });
        return new Promise((resolve) => waiting.set(job.id, resolve));
      }),
    ),
  );
}
await finish(async () => {
  await worker.close(true);
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
});
