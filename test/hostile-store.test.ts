/**
 * A hostile store: damaged chunks and rows, forged checkpoints, a truncated, foreign or
 * clashing SQLite file, and a disk that fills up during a checkpoint write. Each time: a clear
 * coded error (or the previous checkpoint, reported), the process keeps running, and nothing
 * saved before is lost.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { checkpointChecksum } from '../src/checkpoint/manifest.js';
import {
  CheckpointManager,
  Client,
  defineTask,
  isBatonError,
  openStore,
  ResumableTaskExecutor,
  silentLogger,
  Worker,
  type Store,
} from '../src/index.js';
import { backends, sleep } from './helpers/backends.js';

type Row = Record<string, unknown>;

/** Raw SQL on a store's own connection (SQLite `?` placeholders, rewritten to `$n` for Postgres). */
async function raw(store: Store, sql: string, params: unknown[] = []): Promise<Row[]> {
  const inner = (store as unknown as { db: unknown }).db;
  if (store.url.startsWith('postgres')) {
    let n = 0;
    return (inner as { query(t: string, v: unknown[]): Promise<Row[]> }).query(
      sql.replace(/\?/g, () => `$${++n}`),
      params,
    );
  }
  const stmt = (inner as Database.Database).prepare(sql);
  return stmt.reader ? (stmt.all(...params) as Row[]) : (stmt.run(...params), []);
}

/** A job with two checkpoints kept (state n = 1, then n = 2), left failed so they stay. */
async function twoCheckpoints(url: string, jobId: string) {
  const store = await openStore(url);
  const manager = new CheckpointManager({ store, strategy: 'manual', logger: silentLogger });
  const executor = new ResumableTaskExecutor(manager);
  await assert.rejects(
    executor.executeResumable({
      jobId,
      taskFunc: async (ctx) => {
        ctx.setState('n', { value: 1 });
        await ctx.checkpoint();
        ctx.setState('n', { value: 2 });
        await ctx.checkpoint();
        throw new Error('stop, keeping both');
      },
    }),
    /stop, keeping both/,
  );
  const corrupt: number[] = [];
  manager.on('checkpoint:corrupt', (e) => corrupt.push(e.seq));
  const [seq2] = (await raw(store, 'SELECT * FROM baton_checkpoints WHERE job_id = ? AND seq = 2', [jobId])) as Row[];
  const manifest = typeof seq2.manifest === 'string' ? seq2.manifest : JSON.stringify(seq2.manifest);
  const hash = (JSON.parse(manifest) as { state: { n: { c: string[] } } }).state.n.c[0];
  return {
    store,
    manager,
    executor,
    corrupt,
    seq2,
    manifest,
    hash,
    async close() {
      await executor.close();
      await store.close();
    },
  };
}

for (const backend of backends(['sqlite', 'postgres'])) {
  describe(`corrupted chunks and rows: ${backend.name}`, () => {
    test('damaged chunk bytes, a missing chunk, an altered checksum, manifest or header: seq 1 is used, seq 2 reported', async () => {
      const { url, cleanup } = await backend.create();
      const t = await twoCheckpoints(url, `it's "damaged" 🚀`);
      const jobId = `it's "damaged" 🚀`;
      const original = (
        await raw(t.store, 'SELECT data FROM baton_chunks WHERE job_id = ? AND hash = ?', [jobId, t.hash])
      )[0].data as Buffer;
      const damage: Array<[string, string, unknown[]]> = [
        [
          'bit flip',
          'UPDATE baton_chunks SET data = ? WHERE job_id = ? AND hash = ?',
          [Buffer.from(original.map((b, i) => (i === original.length - 1 ? b ^ 1 : b))), jobId, t.hash],
        ],
        [
          'truncated chunk',
          'UPDATE baton_chunks SET data = ? WHERE job_id = ? AND hash = ?',
          [original.subarray(0, 3), jobId, t.hash],
        ],
        [
          'empty chunk',
          'UPDATE baton_chunks SET data = ? WHERE job_id = ? AND hash = ?',
          [Buffer.alloc(0), jobId, t.hash],
        ],
        ['missing chunk', 'DELETE FROM baton_chunks WHERE job_id = ? AND hash = ?', [jobId, t.hash]],
        ['checksum', "UPDATE baton_checkpoints SET checksum = 'x' || checksum WHERE job_id = ? AND seq = 2", [jobId]],
        [
          'manifest',
          'UPDATE baton_checkpoints SET manifest = ? WHERE job_id = ? AND seq = 2',
          [t.manifest.replace('"n":', '"m":'), jobId],
        ],
        ['progress', 'UPDATE baton_checkpoints SET progress = 0.99 WHERE job_id = ? AND seq = 2', [jobId]],
        ['epoch', 'UPDATE baton_checkpoints SET epoch = epoch + 7 WHERE job_id = ? AND seq = 2', [jobId]],
      ];
      for (const [what, sql, params] of damage) {
        await raw(t.store, sql, params);
        const latest = await t.manager.getLatestCheckpoint(jobId);
        assert.equal(latest?.seq, 1, `${what}: fell back to seq 1`);
        assert.deepEqual(latest.state.n, { value: 1 }, what);
        assert.equal(t.corrupt.pop(), 2, `${what}: seq 2 reported`);
        // Repair for the next case.
        await raw(t.store, 'DELETE FROM baton_chunks WHERE job_id = ? AND hash = ?', [jobId, t.hash]);
        await raw(t.store, 'INSERT INTO baton_chunks (job_id, hash, data, created_at) VALUES (?, ?, ?, 0)', [
          jobId,
          t.hash,
          original,
        ]);
        await raw(
          t.store,
          'UPDATE baton_checkpoints SET checksum = ?, manifest = ?, progress = ?, epoch = ? WHERE job_id = ? AND seq = 2',
          [t.seq2.checksum, t.manifest, t.seq2.progress, t.seq2.epoch, jobId],
        );
        assert.equal((await t.manager.getLatestCheckpoint(jobId))?.seq, 2, `${what}: repaired`);
      }
      const events = (await t.store.listEvents(jobId)).filter((e) => e.type === 'checkpoint:corrupt');
      assert.ok(
        events.length >= damage.length &&
          events.every((e) => e.data?.seq === 2 && /corrupt/.test(String(e.data?.error))),
      );
      // Resume continues from seq 1 when seq 2 is damaged.
      await raw(t.store, 'DELETE FROM baton_chunks WHERE job_id = ? AND hash = ?', [jobId, t.hash]);
      const seen = await t.executor.executeResumable({
        jobId,
        rerun: true,
        taskFunc: async (ctx) => ctx.getState('n'),
      });
      assert.deepEqual(seen, { value: 1 });
      await t.close();
      await cleanup();
    });
  });
}

describe('corrupted rows: sqlite', () => {
  const sqlite = backends(['sqlite']);
  const skip = sqlite.length === 0;

  test(
    'a checkpoint row whose completed steps are not JSON is reported corrupt and the previous one used',
    { skip },
    async () => {
      const { url, cleanup } = await sqlite[0].create();
      const t = await twoCheckpoints(url, 'steps-garbage');
      await raw(
        t.store,
        "UPDATE baton_checkpoints SET completed_steps = 'garbage{' WHERE job_id = 'steps-garbage' AND seq = 2",
      );
      const latest = await t.manager.getLatestCheckpoint('steps-garbage').catch((e: unknown) => e);
      assert.ok(!(latest instanceof Error), `reading threw ${String(latest)} instead of falling back to seq 1`);
      assert.equal((latest as { seq: number }).seq, 1);
      assert.deepEqual(t.corrupt, [2]);
      await t.close();
      await cleanup();
    },
  );

  test(
    'a forged checkpoint (checksum recomputed) with a malformed header or manifest is CHECKPOINT_CORRUPT, not a TypeError',
    { skip },
    async () => {
      const { url, cleanup } = await sqlite[0].create();
      const t = await twoCheckpoints(url, 'forged');
      const row = t.seq2;
      const forge = async (completedSteps: unknown, manifest: string) => {
        const checksum = checkpointChecksum({
          jobId: 'forged',
          epoch: Number(row.epoch),
          attempt: Number(row.attempt),
          nodeId: String(row.node_id),
          progress: Number(row.progress),
          currentStep: row.current_step as string | null,
          completedSteps: completedSteps as string[],
          formatVersion: Number(row.format_version),
          manifest,
        });
        await raw(
          t.store,
          "UPDATE baton_checkpoints SET completed_steps = ?, manifest = ?, checksum = ? WHERE job_id = 'forged' AND seq = 2",
          [JSON.stringify(completedSteps), manifest, checksum],
        );
      };
      const m = JSON.parse(t.manifest) as { state: Record<string, unknown> };
      const cases: Array<[string, unknown, string]> = [
        ['completed steps an object', { a: 1 }, t.manifest],
        ['completed steps a string', 'abc', t.manifest],
        ['a chunk hash that is a number', [], JSON.stringify({ ...m, state: { n: { c: [123], n: 1 } } })],
        ['a chunk list of objects', [], JSON.stringify({ ...m, state: { n: { c: [{}], n: 1 } } })],
      ];
      const failures: string[] = [];
      for (const [what, steps, manifest] of cases) {
        await forge(steps, manifest);
        try {
          const latest = await t.manager.getLatestCheckpoint('forged');
          if (latest?.seq !== 1) failures.push(`${what}: loaded seq ${latest?.seq}`);
        } catch (err) {
          failures.push(`${what}: ${(err as Error).name} ${(err as Error).message}`);
        }
      }
      assert.deepEqual(failures, [], 'each forged checkpoint should be reported corrupt and seq 1 used');
      await t.close();
      await cleanup();
    },
  );

  test(
    'a queued job whose error text is not JSON neither stalls the queue nor breaks reading it',
    { skip },
    async () => {
      const { url, cleanup } = await sqlite[0].create();
      const store = await openStore(url);
      const client = new Client({ store });
      await client.submit('t', 1, { jobId: 'poison', priority: 1 });
      await client.submit('t', 2, { jobId: 'healthy' });
      await raw(store, "UPDATE baton_jobs SET error = 'not json{' WHERE id = 'poison'");
      const task = defineTask({ name: 't', run: async (_ctx, x: number) => x * 10 });
      const worker = new Worker({
        store,
        tasks: [task],
        heartbeatIntervalMs: 100,
        heartbeatTimeoutMs: 1000,
        logger: silentLogger,
      });
      try {
        await worker.start();
        await sleep(1500);
        const healthy = await store.getJob('healthy');
        assert.equal(
          healthy?.status,
          'completed',
          'the healthy job was never claimed: every claim failed on the poison row',
        );
        const poison = await client.getJob('poison').catch((e: unknown) => e);
        assert.ok(!(poison instanceof SyntaxError), `reading the poison job threw ${String(poison)}`);
      } finally {
        await worker.stop();
        await client.close();
        await store.close();
        await cleanup();
      }
    },
  );
});

describe('a damaged, foreign or clashing SQLite file', { skip: backends(['sqlite']).length === 0 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-hostile-file-'));

  test('a truncated store file: STORE_UNAVAILABLE naming the path and the damage; the file is left as it was', async () => {
    const path = join(dir, 'whole.db');
    const t = await twoCheckpoints(`sqlite:${path}`, 'kept');
    for (let i = 0; i < 10; i++)
      await t.store.submitJob({
        id: `filler-${i}`,
        task: 'x',
        taskVersion: null,
        input: Buffer.alloc(50_000, i),
        priority: 0,
        runAt: null,
        maxAttempts: 1,
        maxCrashes: 1,
        backupNode: null,
        timeoutMs: null,
      });
    await t.close();
    const size = statSync(path).size;
    for (const fraction of [0.75, 0.5, 0.1, 0.02]) {
      const cut = join(dir, `cut-${fraction}.db`);
      copyFileSync(path, cut);
      truncateSync(cut, Math.floor(size * fraction));
      const before = readFileSync(cut);
      const err = await openStore(`sqlite:${cut}`).then(
        async (s) => {
          // Some truncations leave the schema readable: the damage shows at the first read.
          try {
            await s.getCheckpoints('kept', 5);
            await s.listJobs({ limit: 1000 });
            return null;
          } catch (e) {
            return e;
          } finally {
            await s.close();
          }
        },
        (e: unknown) => e,
      );
      assert.ok(isBatonError(err, 'STORE_UNAVAILABLE'), `cut at ${fraction}: ${String(err)}`);
      assert.ok(err.message.includes(cut) && /malformed|damaged|not a database/i.test(err.message), err.message);
      assert.deepEqual(readFileSync(cut), before, 'Baton wrote nothing into the damaged file');
    }
    const intact = await openStore(`sqlite:${path}`);
    const manager = new CheckpointManager({ store: intact, logger: silentLogger });
    assert.deepEqual(
      (await manager.getLatestCheckpoint('kept'))?.state.n,
      { value: 2 },
      'the original store still reads',
    );
    await intact.close();
  });

  test('random bytes or an empty file: refused or an empty store, never a crash', async () => {
    const noise = join(dir, 'noise.db');
    writeFileSync(noise, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 256)));
    await assert.rejects(
      openStore(`sqlite:${noise}`),
      (e) => isBatonError(e, 'STORE_UNAVAILABLE') && e.message.includes(noise),
    );
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const store = await openStore(`sqlite:${empty}`);
    assert.deepEqual(await store.listJobs({}), []);
    await store.close();
  });

  test("another application's SQLite database: its tables and rows are left untouched", async () => {
    const path = join(dir, 'theirs.db');
    const theirs = new Database(path);
    theirs.exec(
      "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ann'), ('bob')",
    );
    theirs.close();
    const store = await openStore(`sqlite:${path}`);
    await store.submitJob({
      id: 'mine',
      task: 't',
      taskVersion: null,
      input: Buffer.from('x'),
      priority: 0,
      runAt: null,
      maxAttempts: 1,
      maxCrashes: 1,
      backupNode: null,
      timeoutMs: null,
    });
    await store.close();
    const check = new Database(path, { readonly: true });
    assert.deepEqual(check.prepare('SELECT name FROM users ORDER BY id').all(), [{ name: 'ann' }, { name: 'bob' }]);
    check.close();

    const clash = join(dir, 'clash.db');
    const other = new Database(clash);
    other.exec("CREATE TABLE baton_jobs (x TEXT); INSERT INTO baton_jobs VALUES ('theirs')");
    other.close();
    await assert.rejects(
      openStore(`sqlite:${clash}`),
      (e) =>
        isBatonError(e, 'STORE_UNAVAILABLE') &&
        /baton_jobs already exists/.test(e.message) &&
        e.message.includes(clash),
    );
    const after = new Database(clash, { readonly: true });
    assert.deepEqual(after.prepare('SELECT x FROM baton_jobs').all(), [{ x: 'theirs' }]);
    after.close();
  });

  // SQLite rolls a whole transaction back on SQLITE_FULL. Writes queued behind the failed one
  // in the same group commit then ran on their own, outside it, and committed, yet the batch
  // reported them failed: a completed job whose completion "failed".
  test('the disk fills up in a group commit: a write of the same batch is not reported failed if it committed', async () => {
    const store = await openStore(`sqlite:${join(dir, 'full-batch.db')}`);
    const db = (store as unknown as { db: Database.Database }).db;
    const node = { nodeId: 'batch-node', nodeLabel: 'batch' };
    await store.registerNode({
      id: node.nodeId,
      label: node.nodeLabel,
      host: 'h',
      pid: 1,
      pidStart: null,
      tasks: ['t'],
    });
    const job = (id: string) => ({
      id,
      task: 't',
      taskVersion: null,
      input: Buffer.from('x'),
      priority: 0,
      runAt: null,
      maxAttempts: 3,
      maxCrashes: 3,
      backupNode: null,
      timeoutMs: null,
    });
    await store.submitJob(job('big'));
    await store.submitJob(job('small'));
    const big = (await store.claimJobAt('big', 0, ['queued'], node))!;
    const small = (await store.claimJobAt('small', 0, ['queued'], node))!;
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 1}`);
    const chunk = Buffer.alloc(300_000, 1);
    // Both in one event-loop turn: one group commit. The checkpoint cannot fit; the completion can.
    const [checkpoint, completion] = await Promise.allSettled([
      store.commitCheckpoint(
        { jobId: 'big', epoch: big.epoch },
        {
          nodeId: 'batch',
          attempt: 1,
          progress: 0.5,
          currentStep: 's',
          completedSteps: [],
          manifest: '{}',
          chunkRefs: ['h'],
          formatVersion: 1,
          checksum: 'c',
          sizeBytes: chunk.length,
          inlineChunks: [['h', chunk]],
          keep: 3,
        },
      ),
      store.completeJob({ jobId: 'small', epoch: small.epoch }, Buffer.from('result'), false),
    ]);
    assert.equal(checkpoint.status, 'rejected');
    const stored = (await store.getJob('small'))!.status;
    assert.equal(
      completion.status === 'fulfilled' ? 'completed' : 'not completed',
      stored === 'completed' ? 'completed' : 'not completed',
      `the completion was reported ${completion.status === 'fulfilled' ? 'committed' : `failed (${String((completion as PromiseRejectedResult).reason)})`} but the job is ${stored} in the store`,
    );
    db.pragma('max_page_count = 1073741823');
    await store.close();
  });

  test('the disk fills up during a checkpoint write: SQLITE_FULL named, the previous checkpoint intact, writes resume once space is back', async () => {
    const store = await openStore(`sqlite:${join(dir, 'full.db')}`);
    const db = (store as unknown as { db: Database.Database }).db;
    const manager = new CheckpointManager({ store, strategy: 'manual', logger: silentLogger });
    const executor = new ResumableTaskExecutor(manager);
    const result = await executor.executeResumable({
      jobId: 'full',
      taskFunc: async (ctx) => {
        ctx.setState('small', { v: 1 });
        await ctx.checkpoint();
        // The database may grow by two pages: a disk that is (nearly) full.
        db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 2}`);
        for (const bytes of [4 << 20, 200_000]) {
          // 4 MB: chunks written ahead of the commit; 200 kB: inside the (group) commit transaction.
          ctx.setState('big', Buffer.alloc(bytes, 7));
          const err = await ctx.checkpoint().then(
            () => null,
            (e: unknown) => e,
          );
          assert.ok(isBatonError(err, 'STORE_UNAVAILABLE') && !err.retryable, `${bytes} bytes: ${String(err)}`);
          assert.match(err.message, /SQLITE_FULL.*full/, `${bytes} bytes: the error should name the full disk`);
          const latest = await manager.getLatestCheckpoint('full');
          assert.equal(latest?.seq, 1);
          assert.deepEqual(Object.keys(latest.state), ['small'], 'nothing of the failed write is visible');
        }
        db.pragma('max_page_count = 1073741823');
        const cp = await ctx.checkpoint();
        assert.equal(cp?.seq, 2, 'seq did not skip: the failed writes rolled back');
        return (cp!.state.big as Buffer).length;
      },
    });
    assert.equal(result, 200_000);
    await executor.close();
    await store.close();
  });
});
