/**
 * Job ids, task names, step ids, state keys and node labels full of quotes, SQL, path
 * separators, control characters and emoji: stored and shown verbatim (they only ever travel
 * as bound parameters), never injected; NUL, which Postgres text cannot hold, is refused with a
 * coded error rather than failing inside the store.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import {
  CheckpointManager,
  Client,
  defineTask,
  isBatonError,
  openStore,
  ResumableTaskExecutor,
  silentLogger,
  Worker,
} from '../src/index.js';
import { backends } from './helpers/backends.js';

const marker = `baton-inject-${randomBytes(4).toString('hex')}`;
const HOSTILE = [
  `it's "quoted" \`back\``,
  `'); DROP TABLE baton_jobs; --`,
  `" OR 1=1 --`,
  `x'; DELETE FROM baton_events WHERE '1'='1`,
  `../../${marker}/../etc/passwd`,
  `C:\\Windows\\System32\\${marker}`,
  `/tmp/${marker}`,
  `🚀🔥 ünïcödé 日本語`,
  `\u202eevil\u200b\u2028line`,
  `tab\there\nnewline\r`,
  `%_*?[]{}$1:name@p`,
  `{"json": [1, 2]}`,
  '\\\\',
  'x'.repeat(255),
];
const WITH_NUL = 'a\0b';

for (const backend of backends(['sqlite', 'postgres'])) {
  describe(`hostile names: ${backend.name}`, () => {
    test('job ids, task names, step ids and state keys: stored and shown verbatim, tables intact', async () => {
      const { url, cleanup } = await backend.create();
      const store = await openStore(url);
      const client = new Client({ store });
      const seen = new Map<string, { steps: string[]; keys: string[] }>();
      const tasks = HOSTILE.map((name) =>
        defineTask({
          name,
          run: async (ctx) => {
            for (const step of HOSTILE) await ctx.step(step, () => step.length);
            for (const key of HOSTILE) ctx.setState(key, key);
            const cp = await ctx.checkpoint();
            seen.set(ctx.jobId, { steps: cp!.completedSteps, keys: Object.keys(cp!.state) });
            return ctx.jobId;
          },
        }),
      );
      const worker = new Worker({
        store,
        tasks,
        nodeId: HOSTILE[0],
        concurrency: 4,
        heartbeatIntervalMs: 100,
        heartbeatTimeoutMs: 1000,
        checkpoint: { strategy: 'manual', keepOnSuccess: true },
        logger: silentLogger,
      });
      await worker.start();
      try {
        for (const [i, id] of HOSTILE.entries()) await client.submit(HOSTILE[i], { i }, { jobId: id });
        for (const [i, id] of HOSTILE.entries()) {
          const job = await client.waitForJob(id, { timeoutMs: 30_000 });
          assert.equal(job.status, 'completed', `${JSON.stringify(id)}: ${JSON.stringify(job.error)}`);
          assert.equal(job.id, id);
          assert.equal(job.task, HOSTILE[i]);
          assert.equal(job.result, id);
          assert.equal(job.ownerNode, HOSTILE[0]);
          assert.deepEqual(seen.get(id)?.steps, HOSTILE, 'step ids verbatim');
          assert.deepEqual(seen.get(id)?.keys, HOSTILE, 'state keys verbatim');
          const [latest] = await store.getCheckpoints(id, 1);
          assert.deepEqual(latest.completedSteps, HOSTILE);
          assert.equal(latest.currentStep, HOSTILE.at(-1));
          const events = await client.getJobEvents(id);
          assert.ok(events.length >= 3 && events.every((e) => e.jobId === id));
          assert.ok(events.some((e) => e.type === 'completed' && e.nodeId === HOSTILE[0]));
        }
        const all = await client.listJobs({ limit: 1000 });
        assert.deepEqual(
          all.map((j) => j.id).sort(),
          [...HOSTILE].sort(),
          'exactly the jobs submitted: nothing dropped or added',
        );
        for (const name of HOSTILE)
          assert.equal((await client.listJobs({ task: name })).length, 1, 'filtering by a hostile task name');
        assert.equal(existsSync(resolve(marker)) || existsSync(`/tmp/${marker}`), false, 'no file was made from an id');
      } finally {
        await worker.stop();
        await client.close();
        await store.close();
        await cleanup();
      }
    });

    test('executeResumable and the checkpoint calls take hostile ids verbatim too', async () => {
      const { url, cleanup } = await backend.create();
      const manager = new CheckpointManager({
        store: url,
        strategy: 'manual',
        nodeId: HOSTILE[1],
        logger: silentLogger,
      });
      const executor = new ResumableTaskExecutor(manager);
      for (const id of HOSTILE.slice(0, 5)) {
        await assert.rejects(
          executor.executeResumable({
            jobId: id,
            taskName: HOSTILE[4],
            taskFunc: async (ctx) => {
              ctx.setCurrentStep(HOSTILE[2]);
              ctx.setIntermediateResult(HOSTILE[3], id);
              await ctx.checkpointIfNeeded(HOSTILE[0]);
              await ctx.checkpoint();
              throw new Error('keep the checkpoint');
            },
          }),
          /keep the checkpoint/,
        );
        const cp = await manager.getLatestCheckpoint(id);
        assert.equal(cp?.jobId, id);
        assert.equal(cp.nodeId, HOSTILE[1]);
        assert.equal(cp.currentStep, HOSTILE[2]);
        assert.deepEqual(cp.completedSteps, [HOSTILE[0]]);
        assert.equal(cp.intermediateResults[HOSTILE[3]], id);
        assert.equal((await manager.listCheckpoints(id))[0].jobId, id);
      }
      await executor.close();
      await cleanup();
    });

    test('NUL in a task name, step id or node label: stored verbatim or refused with a coded error, never a store failure', async () => {
      const { url, cleanup } = await backend.create();
      const store = await openStore(url);
      const client = new Client({ store });
      const manager = new CheckpointManager({ store, strategy: 'manual', logger: silentLogger });
      const executor = new ResumableTaskExecutor(manager);
      const problems: string[] = [];
      // Acceptable: it works and reads back verbatim, or a coded refusal that is not the store's.
      const judge = async (what: string, attempt: () => Promise<unknown>, readBack: () => Promise<unknown>) => {
        try {
          await attempt();
          if ((await readBack()) !== true) problems.push(`${what}: accepted but not read back verbatim`);
        } catch (err) {
          if (!isBatonError(err) || err.code === 'STORE_UNAVAILABLE')
            problems.push(
              `${what}: ${(err as Error).name} ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`,
            );
        }
      };
      await judge(
        'task name passed to submit',
        () => client.submit(WITH_NUL, 1, { jobId: 'nul-task' }),
        async () => (await store.getJob('nul-task'))?.task === WITH_NUL,
      );
      await judge(
        'step id',
        () => executor.executeResumable({ jobId: 'nul-step', taskFunc: async (ctx) => ctx.step(WITH_NUL, () => 1) }),
        async () => (await store.getJob('nul-step'))?.currentStep === WITH_NUL,
      );
      await judge(
        'node label',
        async () => {
          const labelled = new ResumableTaskExecutor(
            new CheckpointManager({ store, nodeId: WITH_NUL, logger: silentLogger }),
          );
          try {
            await labelled.executeResumable({ jobId: 'nul-node', taskFunc: () => 1 });
          } finally {
            await labelled.close();
          }
        },
        async () => (await store.getJob('nul-node'))?.ownerLabel === WITH_NUL,
      );
      assert.throws(
        () => defineTask({ name: WITH_NUL, run: () => 1 }),
        (e) => isBatonError(e, 'INVALID_OPTION'),
      );
      await assert.rejects(client.submit('t', 1, { jobId: WITH_NUL }), (e) => isBatonError(e, 'INVALID_JOB_ID'));
      assert.deepEqual(problems, []);
      await executor.close();
      await client.close();
      await store.close();
      await cleanup();
    });
  });
}
