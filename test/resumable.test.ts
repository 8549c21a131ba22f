/**
 * ResumableContext and ResumableTaskExecutor in one process: incremental checkpoints,
 * verified reads with fallback, refusals that lose nothing, leases and coded errors.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  BatonError,
  CheckpointManager,
  CheckpointStrategy,
  ResumableTaskExecutor,
  isBatonError,
  openStore,
  silentLogger,
  type ResumableContext,
} from '../src/index.js';
import { backends } from './helpers/backends.js';

const code = (c: string) => (e: unknown) => isBatonError(e) && e.code === c;

for (const backend of backends(['memory', 'sqlite'])) {
  describe(`resumable execution: ${backend.name}`, () => {
    async function setup(strategy: CheckpointStrategy = 'manual') {
      const { url, cleanup } = await backend.create();
      const store = await openStore(url);
      const manager = new CheckpointManager({ store, strategy, logger: silentLogger, nodeId: 'test-node' });
      const executor = new ResumableTaskExecutor(manager);
      return {
        store,
        manager,
        executor,
        async close() {
          await executor.close();
          await store.close();
          await cleanup();
        },
      };
    }

    test('a small change next to a 50 MB value writes about the change, not the value', async () => {
      const t = await setup();
      const written: number[] = [];
      await t.executor.executeResumable({
        jobId: 'incremental',
        taskFunc: async (ctx) => {
          ctx.setIntermediateResult('big', Buffer.alloc(50 << 20, 3).map((_, i) => i % 251));
          ctx.setState('counter', 0);
          await ctx.checkpoint();
          written.push(ctx.stats.bytesWritten);
          for (let i = 1; i <= 3; i++) {
            ctx.setState('counter', i);
            const before = ctx.stats.bytesWritten;
            await ctx.checkpoint();
            written.push(ctx.stats.bytesWritten - before);
          }
          const latest = (await t.manager.getLatestCheckpoint('incremental'))!;
          assert.equal((latest.intermediateResults.big as Buffer).length, 50 << 20);
          assert.equal(latest.state.counter, 3);
        },
      });
      assert.ok(written[0] >= 50 << 20, `first checkpoint wrote ${written[0]}`);
      for (const w of written.slice(1)) assert.ok(w < 4096, `later checkpoints wrote ${w} bytes`);
      await t.close();
    });

    test('a value that cannot be saved is refused with its key path; the previous checkpoint stays', async () => {
      const t = await setup();
      await assert.rejects(
        t.executor.executeResumable({
          jobId: 'refuse',
          taskFunc: async (ctx) => {
            ctx.setState('model', { weights: [1, 2] });
            await ctx.checkpoint();
            ctx.setState('model', { weights: [3], fit: () => 1 });
            await assert.rejects(ctx.checkpoint(), (e) => isBatonError(e, 'NOT_SERIALIZABLE') && e.message.includes('state.model.fit'));
            const latest = (await t.manager.getLatestCheckpoint('refuse'))!;
            assert.deepEqual(latest.state.model, { weights: [1, 2] });
            throw new Error('stop here');
          },
        }),
        /stop here/,
      );
      assert.equal((await t.manager.listCheckpoints('refuse')).length, 1, 'kept on failure');
      await t.close();
    });

    test('a corrupt latest checkpoint is reported and the previous one is used', async () => {
      const t = await setup();
      const corrupt: number[] = [];
      t.manager.on('checkpoint:corrupt', (e) => corrupt.push(e.seq));
      await assert.rejects(
        t.executor.executeResumable({
          jobId: 'corrupt',
          taskFunc: async (ctx) => {
            ctx.setState('n', 1);
            await ctx.checkpoint();
            ctx.setState('n', 2);
            await ctx.checkpoint();
            throw new Error('crash');
          },
        }),
        /crash/,
      );
      // Flip a byte of the newest checkpoint's value chunk (seq 2).
      const [newest] = await t.store.getCheckpoints('corrupt', 1);
      const hash = JSON.parse(newest.manifest).state.n.c[0] as string;
      const db = (t.store as unknown as { db: { prepare(s: string): { run(...a: unknown[]): unknown } } }).db;
      db.prepare('UPDATE baton_chunks SET data = ? WHERE job_id = ? AND hash = ?').run(Buffer.from('garbage'), 'corrupt', hash);
      const seen = await t.executor.executeResumable({ jobId: 'corrupt', rerun: true, taskFunc: async (ctx) => ctx.getState('n') });
      assert.equal(seen, 1, 'resumed from seq 1');
      assert.deepEqual(corrupt, [2]);
      const events = (await t.store.listEvents('corrupt')).map((e) => e.type);
      assert.ok(events.includes('checkpoint:corrupt'));
      await t.close();
    });

    test('when no kept checkpoint is readable the error says which job and seq', async () => {
      const t = await setup();
      await assert.rejects(
        t.executor.executeResumable({
          jobId: 'all-bad',
          taskFunc: async (ctx) => {
            ctx.setState('n', 1);
            await ctx.checkpoint();
            throw new Error('crash');
          },
        }),
      );
      const db = (t.store as unknown as { db: { prepare(s: string): { run(...a: unknown[]): unknown } } }).db;
      db.prepare("UPDATE baton_checkpoints SET checksum = 'x' WHERE job_id = 'all-bad'").run();
      await assert.rejects(t.manager.getLatestCheckpoint('all-bad'), (e) => isBatonError(e, 'CHECKPOINT_CORRUPT') && e.seq === 1 && /all-bad/.test(e.message));
      db.prepare("UPDATE baton_checkpoints SET format_version = 99 WHERE job_id = 'all-bad'").run();
      await assert.rejects(t.manager.getLatestCheckpoint('all-bad'), code('CHECKPOINT_VERSION'));
      await t.close();
    });

    test('steps: a step id twice is refused; progress outside 0..1 is refused', async () => {
      const t = await setup();
      await t.executor.executeResumable({
        jobId: 'steps',
        taskFunc: async (ctx: ResumableContext) => {
          assert.equal(await ctx.step('a', () => 1), 1);
          await assert.rejects(ctx.step('a', () => 2), code('DUPLICATE_STEP'));
          for (const bad of [-0.1, 1.01, Number.NaN]) assert.throws(() => ctx.updateProgress(bad), code('INVALID_PROGRESS'));
          ctx.updateProgress(1);
          assert.equal(ctx.wasStepCompleted('a'), true);
        },
      });
      await t.close();
    });

    test('checkpointIfNeeded marks the step and checkpoints when the strategy says so', async () => {
      const t = await setup('progress');
      await t.executor.executeResumable({
        jobId: 'if-needed',
        taskFunc: async (ctx) => {
          ctx.updateProgress(0.1);
          assert.equal(await ctx.checkpointIfNeeded('s1'), false);
          assert.equal(ctx.wasStepCompleted('s1'), true);
          ctx.updateProgress(0.3);
          assert.equal(t.manager.shouldCheckpoint('if-needed', 0.3), true);
          assert.equal(await ctx.checkpointIfNeeded('s2'), true);
          const latest = (await t.manager.getLatestCheckpoint('if-needed'))!;
          assert.deepEqual(latest.completedSteps, ['s1', 's2']);
          assert.equal(latest.progress, 0.3);
        },
      });
      await t.close();
    });

    test('strategy NONE persists nothing, not even step results', async () => {
      const t = await setup('none');
      await t.executor.executeResumable({
        jobId: 'none',
        taskFunc: async (ctx) => {
          await ctx.step('a', () => 1);
          assert.equal(await ctx.checkpoint(), null);
          assert.deepEqual(await t.manager.listCheckpoints('none'), []);
        },
      });
      await t.close();
    });

    test('a second concurrent run of a live job is refused with JOB_LEASED', async () => {
      const t = await setup();
      let release!: () => void;
      const first = t.executor.executeResumable({ jobId: 'leased', taskFunc: () => new Promise<string>((r) => (release = () => r('done'))) });
      let failed: unknown;
      first.catch((e: unknown) => (failed = e));
      while (release === undefined && failed === undefined) await new Promise((r) => setTimeout(r, 5));
      assert.equal(failed, undefined);
      await assert.rejects(t.executor.executeResumable({ jobId: 'leased', taskFunc: () => 'x' }), code('JOB_LEASED'));
      release();
      assert.equal(await first, 'done');
      await t.close();
    });

    test('a failed job needs { rerun: true }; its checkpoints are kept for the rerun', async () => {
      const t = await setup();
      let calls = 0;
      const task = async (ctx: ResumableContext) => {
        await ctx.step('first', () => ++calls);
        if (calls < 2 && !ctx.resumedFrom) throw new Error('flaky');
        return calls;
      };
      await assert.rejects(t.executor.executeResumable({ jobId: 'rerun', taskFunc: task }), /flaky/);
      await assert.rejects(t.executor.executeResumable({ jobId: 'rerun', taskFunc: task }), code('JOB_FAILED'));
      assert.equal(await t.executor.executeResumable({ jobId: 'rerun', taskFunc: task, rerun: true }), 1, 'step "first" was not run again');
      await t.close();
    });

    test('createCheckpoint (the original call) needs the lease', async () => {
      const t = await setup();
      await assert.rejects(t.manager.createCheckpoint({ jobId: 'x', progress: 0.5 }), code('INVALID_STATE'));
      await t.executor.executeResumable({
        jobId: 'explicit',
        inputData: { file: 'a.csv' },
        taskFunc: async () => {
          const cp = await t.manager.createCheckpoint({ jobId: 'explicit', progress: 0.5, state: { rows: 10 }, completedSteps: ['load'], currentStep: 'parse' });
          assert.equal(cp.seq, 1);
          const latest = (await t.manager.getLatestCheckpoint('explicit'))!;
          assert.deepEqual([latest.state, latest.completedSteps, latest.currentStep], [{ rows: 10 }, ['load'], 'parse']);
        },
      });
      await t.close();
    });
  });
}

describe('coded errors for bad input', () => {
  test('job ids: empty, over-long, NUL', async () => {
    const executor = new ResumableTaskExecutor(new CheckpointManager({ store: 'memory:', logger: silentLogger }));
    for (const id of ['', 'x'.repeat(256), 'a\0b']) {
      await assert.rejects(executor.executeResumable({ jobId: id, taskFunc: () => 1 }), code('INVALID_JOB_ID'));
    }
    assert.equal(await executor.executeResumable({ jobId: `it's "quoted" / 🚀 ; DROP TABLE x`, taskFunc: () => 7 }), 7);
    await executor.close();
  });

  test('a store path that is not writable or not a database gives STORE_UNAVAILABLE with the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-bad-'));
    const foreign = join(dir, 'foreign.db');
    writeFileSync(foreign, 'this is not a database'.repeat(100));
    await assert.rejects(openStore(`sqlite:${foreign}`), (e) => isBatonError(e, 'STORE_UNAVAILABLE') && e.message.includes(foreign));
    if (process.getuid?.() !== 0) {
      chmodSync(dir, 0o500);
      await assert.rejects(openStore(`sqlite:${join(dir, 'sub', 'x.db')}`), code('STORE_UNAVAILABLE'));
    }
    const underFile = join(foreign, 'sub', 'x.db');
    await assert.rejects(openStore(`sqlite:${underFile}`), (e) => e instanceof BatonError && e.code === 'STORE_UNAVAILABLE' && e.message.includes(underFile));
    await assert.rejects(openStore('mysql://x'), code('INVALID_STORE_URL'));
  });
});
