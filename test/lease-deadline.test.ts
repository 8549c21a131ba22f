/**
 * The local lease deadline: when the node's heartbeats stop succeeding for a whole timeout,
 * the job may already belong to another node, so ctx.fence is refused and a step re-checks
 * the lease with the store before it starts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { CheckpointManager, ResumableTaskExecutor, isBatonError, openStore, silentLogger, type Store } from '../src/index.js';
import { sleep } from './helpers/backends.js';

/** The memory store, with heartbeats that fail while `silent` is set (a partitioned node). */
async function partitionableStore(): Promise<{ store: Store; partition(on: boolean): void }> {
  const inner = await openStore('memory:');
  let silent = false;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'heartbeat') return async (id: string) => (silent ? Promise.reject(new Error('network down')) : target.heartbeat(id));
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, partition: (on) => (silent = on) };
}

test('an overdue heartbeat refuses ctx.fence; a step re-checks and goes on while the lease holds', async () => {
  const { store, partition } = await partitionableStore();
  const executor = new ResumableTaskExecutor(new CheckpointManager({ store, strategy: 'manual', logger: silentLogger }), { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 150 });
  const result = await executor.executeResumable({
    jobId: 'deadline-ok',
    taskFunc: async (ctx) => {
      const before = ctx.fence;
      partition(true);
      await sleep(300);
      assert.throws(() => ctx.fence, (e) => isBatonError(e, 'LEASE_LOST') && /overdue/.test(e.message));
      const value = await ctx.step('after-recheck', () => 42); // nobody took the job: the store says it is still ours
      partition(false);
      await sleep(100);
      assert.equal(ctx.fence, before, 'beats resumed: the fence is handed out again');
      return value;
    },
  });
  assert.equal(result, 42);
  await executor.close();
  await store.close();
});

test('a step refuses to start when the re-check finds the job taken over', async () => {
  const { store, partition } = await partitionableStore();
  const executor = new ResumableTaskExecutor(new CheckpointManager({ store, strategy: 'manual', logger: silentLogger }), { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 150 });
  let ran = false;
  await assert.rejects(
    executor.executeResumable({
      jobId: 'deadline-lost',
      taskFunc: async (ctx) => {
        partition(true);
        await sleep(300);
        const job = (await store.getJob('deadline-lost'))!;
        const thief = randomUUID();
        await store.registerNode({ id: thief, label: 'thief', host: 'elsewhere', pid: 1, pidStart: null, tasks: [] });
        await store.claimJobAt('deadline-lost', job.epoch, ['running'], { nodeId: thief, nodeLabel: 'thief' });
        await ctx.step('late', () => (ran = true));
      },
    }),
    (e) => isBatonError(e, 'LEASE_LOST'),
  );
  assert.equal(ran, false, 'the step did not run');
  await executor.close();
  await store.close();
});
