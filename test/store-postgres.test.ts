/**
 * What only the Postgres store has: lost replies read back, LISTEN/NOTIFY wake-ups, recovery
 * after the server kills its connections, and clear errors that never show the password. The
 * behaviour every backend shares is in store-contract.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { isBatonError } from '../src/errors.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import type { CheckpointWrite, Fence, SubmitJobInput } from '../src/store/store.js';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.js';

const node = { nodeId: randomUUID(), nodeLabel: 'pg-node' };

function job(id: string, over: Partial<SubmitJobInput> = {}): SubmitJobInput {
  return { id, task: 't', taskVersion: null, input: Buffer.from('{}'), priority: 0, runAt: null, maxAttempts: 3, maxCrashes: 3, backupNode: null, timeoutMs: null, ...over };
}

function cpWrite(over: Partial<CheckpointWrite> = {}): CheckpointWrite {
  return { nodeId: node.nodeId, attempt: 1, progress: 0.5, currentStep: 's', completedSteps: ['a'], manifest: '{}', chunkRefs: [], formatVersion: 1, checksum: randomUUID(), sizeBytes: 10, inlineChunks: [], keep: 3, ...over };
}

async function claim(store: PostgresStore, id: string): Promise<Fence> {
  const got = await store.claimJobAt(id, (await store.getJob(id))!.epoch, ['queued'], node);
  assert.ok(got);
  return { jobId: id, epoch: got.epoch };
}

/** Resolves at the listener's next call, or rejects after `ms`. */
function nextWake(wakes: { count: number; waiters: Array<() => void> }, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no wake-up')), ms);
    wakes.waiters.push(() => (clearTimeout(timer), resolve()));
  });
}

function watch(store: PostgresStore) {
  const wakes = { count: 0, waiters: [] as Array<() => void> };
  const unsubscribe = store.watchWork(() => {
    wakes.count++;
    for (const w of wakes.waiters.splice(0)) w();
  });
  return { wakes, unsubscribe };
}

/**
 * A TCP proxy in front of the server that breaks the connection carrying one named statement:
 * `loseReplyOf` drops the reply once the server committed (the reply ends with ReadyForQuery,
 * sent only after the commit); `cutAfterSending` closes the client side at once while the
 * server side stays open, so the server may still be running the statement.
 */
async function startProxy(target: URL) {
  let armed: { name: string; mode: 'lose-reply' | 'cut' } | null = null;
  const sockets = new Set<Socket>();
  const readyForQuery = Buffer.from([0x5a, 0, 0, 0, 5]);
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    let mode: 'pass' | 'lose-reply' | 'cut' = 'pass';
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.on('close', () => mode !== 'cut' && upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (d: Buffer) => {
      if (armed !== null && d.includes(armed.name)) [mode, armed] = [armed.mode, null];
      upstream.write(d);
      if (mode === 'cut') client.destroy();
    });
    upstream.on('data', (d: Buffer) => {
      if (mode === 'pass') client.write(d);
      else if (d.includes(readyForQuery)) client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: url.toString(),
    loseReplyOf: (name: string) => void (armed = { name, mode: 'lose-reply' }),
    cutAfterSending: (name: string) => void (armed = { name, mode: 'cut' }),
    close: () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))),
  };
}

describe('postgres store', () => {
  let db: TestDatabase;
  let store: PostgresStore;
  let admin: pg.Client;

  before(async () => {
    db = await createTestDatabase();
    store = new PostgresStore(db.url);
    await Promise.all([store.migrate(), new PostgresStore(db.url).migrate()]); // concurrent migrations are safe
    await store.migrate();
    await store.registerNode({ id: node.nodeId, label: node.nodeLabel, host: 'h', pid: 1, pidStart: null, tasks: ['t'] });
    admin = new pg.Client(db.url);
    await admin.connect();
  });
  after(async () => {
    await store.close();
    await store.close(); // idempotent
    await admin.end();
    await db.drop();
  });

  test('a commit whose reply is lost is read back, not reported as failed', async () => {
    const proxy = await startProxy(new URL(db.url));
    const viaProxy = new PostgresStore(proxy.url);
    try {
      await viaProxy.submitJob(job('lost-reply'));
      // claim: the job was claimed; the token finds it
      proxy.loseReplyOf('baton_claim_jobs');
      const claimed = await viaProxy.claimJobs({ ...node, tasks: ['t'], limit: 1 });
      assert.deepEqual(claimed.map((j) => [j.id, j.epoch]), [['lost-reply', 1]]);
      const fence = { jobId: 'lost-reply', epoch: 1 };
      // checkpoint: committed, found by (job, epoch, checksum)
      proxy.loseReplyOf('baton_commit_checkpoint');
      const committed = await viaProxy.commitCheckpoint(fence, cpWrite({ chunkRefs: ['c'], inlineChunks: [['c', Buffer.from('x')]] }));
      assert.equal(committed.seq, 1);
      assert.deepEqual((await store.getCheckpoints('lost-reply', 5)).map((c) => c.seq), [1]);
      // completion: committed, found by its event
      proxy.loseReplyOf('baton_complete');
      await viaProxy.completeJob(fence, Buffer.from('r'), false);
      assert.equal((await store.getJob('lost-reply'))!.status, 'completed');
      const types = (await store.listEvents('lost-reply')).map((e) => e.type);
      assert.deepEqual(types, ['submitted', 'claimed', 'checkpoint', 'completed']);
      // an idempotent write simply runs again on a fresh connection
      proxy.loseReplyOf('baton_heartbeat');
      assert.equal(await viaProxy.heartbeat(node.nodeId), true);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });

  test('a commit killed before it landed is a retryable STORE_UNAVAILABLE, and a retry lands', async () => {
    await store.submitJob(job('killed'));
    const fence = await claim(store, 'killed');
    // Hold the job row so the checkpoint waits, then kill the waiting backend.
    const blocker = new pg.Client(db.url);
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM baton_jobs WHERE id = 'killed' FOR UPDATE`);
    const pending = store.commitCheckpoint(fence, cpWrite());
    for (let waiting = 0; waiting === 0; ) {
      await new Promise((r) => setTimeout(r, 20));
      const { rows } = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%baton_checkpoints%'`,
      );
      waiting = rows.length;
    }
    await assert.rejects(pending, (e) => isBatonError(e, 'STORE_UNAVAILABLE') && e.retryable);
    await blocker.query('ROLLBACK');
    await blocker.end();
    assert.equal((await store.getJob('killed'))!.checkpointSeq, 0);
    assert.equal((await store.commitCheckpoint(fence, cpWrite())).seq, 1);
  });

  test('a statement still running on the server after its connection broke is ended before the read-back', async () => {
    await store.submitJob(job('in-flight'));
    const fence = await claim(store, 'in-flight');
    const proxy = await startProxy(new URL(db.url));
    const viaProxy = new PostgresStore(proxy.url);
    const blocker = new pg.Client(db.url);
    await blocker.connect();
    try {
      await viaProxy.now(); // warm the pool
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM baton_jobs WHERE id = 'in-flight' FOR UPDATE`);
      // The checkpoint reaches the server and waits for the row; its client is gone. Left
      // alone, it would commit once the row is free, after the caller was told it failed.
      proxy.cutAfterSending('baton_commit_checkpoint');
      await assert.rejects(viaProxy.commitCheckpoint(fence, cpWrite()), (e) => isBatonError(e, 'STORE_UNAVAILABLE') && e.retryable);
      await blocker.query('ROLLBACK');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await store.getJob('in-flight'))!.checkpointSeq, 0);
    } finally {
      await blocker.end();
      await viaProxy.close();
      await proxy.close();
    }
  });

  test('pruning removes exactly the chunks no kept checkpoint names; orphans go at every 64th seq', async () => {
    await store.submitJob(job('gc'));
    const fence = await claim(store, 'gc');
    await store.putChunks('gc', [['orphan', Buffer.from('o')], ['stays', Buffer.from('s')]]);
    for (let seq = 1; seq <= 63; seq++) {
      await store.commitCheckpoint(fence, cpWrite({ chunkRefs: ['stays', `c${seq}`], inlineChunks: [[`c${seq}`, Buffer.from('x')]], keep: 2 }));
    }
    const names = async () => [...(await store.getChunks('gc', ['orphan', 'stays', 'c61', 'c62', 'c63'])).keys()].sort();
    assert.deepEqual(await names(), ['c62', 'c63', 'orphan', 'stays']);
    await store.commitCheckpoint(fence, cpWrite({ chunkRefs: ['stays', 'c64'], inlineChunks: [['c64', Buffer.from('x')]], keep: 2 }));
    assert.deepEqual(await names(), ['c63', 'stays']);
  });

  test('a submit wakes a watching store within milliseconds', async () => {
    const other = new PostgresStore(db.url);
    const { wakes, unsubscribe } = watch(store);
    try {
      await nextWake(wakes); // the first call says LISTEN is in place
      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        const woken = nextWake(wakes);
        const started = performance.now();
        await other.submitJob(job(`wake-${i}`, { task: 'wake' }));
        await woken;
        latencies.push(performance.now() - started);
      }
      latencies.sort((a, b) => a - b);
      console.log(`submit → wake-up p50 ${latencies[10].toFixed(2)} ms, max ${latencies[19].toFixed(2)} ms`);
      // A job due later wakes no one: it is not claimable yet.
      const before = wakes.count;
      await other.submitJob(job('wake-later', { task: 'wake', runAt: (await other.now()) + 60_000 }));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(wakes.count, before);
    } finally {
      unsubscribe();
      await other.close();
    }
  });

  test('after the server kills every connection, queries and the listener recover', async () => {
    const s = new PostgresStore(db.url);
    const { wakes, unsubscribe } = watch(s);
    try {
      await nextWake(wakes);
      await Promise.all([s.getJob('x'), s.getJob('y'), s.now()]); // several pooled connections
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      assert.ok(killed.rows.length >= 2);
      // The listener reconnects and calls once, since notifications sent meanwhile are lost.
      await nextWake(wakes);
      assert.equal(await s.heartbeat(node.nodeId), true);
      await s.submitJob(job('after-kill', { task: 'revived' }));
      assert.equal((await s.claimJobs({ ...node, tasks: ['revived'], limit: 5 })).length, 1);
      const woken = nextWake(wakes);
      await s.submitJob(job('after-kill-2', { task: 'revived' }));
      await woken;
    } finally {
      unsubscribe();
      await s.close();
    }
  });

  test('concurrent claimers never take the same job', async () => {
    const stores = [store, new PostgresStore(db.url), new PostgresStore(db.url)];
    try {
      for (let i = 0; i < 60; i++) await store.submitJob(job(`race-${i}`, { task: 'race', priority: i % 3 }));
      const taken: string[] = [];
      await Promise.all(
        stores.flatMap((s) =>
          [0, 1].map(async () => {
            for (;;) {
              const got = await s.claimJobs({ ...node, tasks: ['race'], limit: 4 });
              if (got.length === 0) return;
              taken.push(...got.map((j) => j.id));
            }
          }),
        ),
      );
      assert.equal(taken.length, 60);
      assert.equal(new Set(taken).size, 60);
    } finally {
      await Promise.all(stores.slice(1).map((s) => s.close()));
    }
  });

  test('a closed store refuses calls clearly', async () => {
    const s = new PostgresStore(db.url);
    await s.now();
    await s.close();
    await assert.rejects(s.now(), (e) => isBatonError(e, 'STORE_UNAVAILABLE') && /closed/.test(e.message));
  });
});

describe('postgres store errors', () => {
  const secret = 'Sup3rSecretPw';

  function assertNoSecret(err: unknown): void {
    assert.ok(!inspect(err, { depth: 10 }).includes(secret), 'the password leaked into the error');
    assert.ok(!JSON.stringify(err).includes(secret));
  }

  test('an unreachable server is one retryable STORE_UNAVAILABLE naming host:port/db, never the password', async () => {
    for (const url of [`postgres://baton:${secret}@127.0.0.1:1/jobs`, `postgres://baton@127.0.0.1:1/jobs?password=${secret}`]) {
      const store = new PostgresStore(url);
      assert.ok(!store.url.includes(secret));
      const err = await store.migrate().then(() => null, (e: unknown) => e);
      assert.ok(isBatonError(err, 'STORE_UNAVAILABLE'), String(err));
      assert.equal(err.retryable, true);
      assert.match(err.message, /127\.0\.0\.1:1\/jobs/);
      assertNoSecret(err);
      await store.close();
    }
  });

  test('an unknown host too', async () => {
    const store = new PostgresStore(`postgres://baton:${secret}@no-such-host.invalid:5432/jobs`);
    const err = await store.now().then(() => null, (e: unknown) => e);
    assert.ok(isBatonError(err, 'STORE_UNAVAILABLE') && err.retryable, String(err));
    assert.match(err.message, /no-such-host\.invalid:5432\/jobs/);
    assertNoSecret(err);
    await store.close();
  });

  test('a URL that cannot be parsed is INVALID_STORE_URL, without the password', () => {
    assert.throws(
      () => new PostgresStore(`postgres://baton:${secret}@[not-a-host/jobs`),
      (e) => isBatonError(e, 'INVALID_STORE_URL') && !e.message.includes(secret),
    );
  });
});
