/**
 * Multi-node behaviour with real worker processes and real signals, on SQLite and Postgres:
 * takeover after SIGKILL, zombies fenced after SIGSTOP/SIGCONT, no false takeover while the
 * event loop is blocked, handoff on SIGTERM, and the crash limit.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '../src/index.js';
import { sharedBackends } from './helpers/backends.js';
import { TestCluster } from './helpers/cluster.js';

const HB_TIMEOUT_MS = 2000;
const effects = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
const ranOnce = (file: string, step: string) => effects(file).filter((l) => l.startsWith(`${step} `)).length;

for (const backend of sharedBackends()) {
  describe(`cluster: ${backend.name}`, { concurrency: false }, () => {
    let url: string;
    let cleanup: () => Promise<void>;
    let client: Client;
    let dir: string;
    before(async () => {
      ({ url, cleanup } = await backend.create());
      client = new Client({ store: url });
      dir = mkdtempSync(join(tmpdir(), 'baton-cluster-'));
    });
    after(async () => {
      await client.close();
      await cleanup();
    });

    async function cluster(name: string, ids = ['n1', 'n2', 'n3']) {
      const file = join(dir, `${name}.log`);
      const c = new TestCluster({ STORE: url, SIDE_EFFECTS: file });
      await c.startAll(ids);
      return { c, file };
    }

    test('SIGKILL of the owner after its second checkpoint: another node takes over and skips steps 1-2', async () => {
      const { c, file } = await cluster('kill');
      try {
        const { jobId } = await client.submit('pipeline', { steps: 4, stepMs: 300 }, { jobId: 'kill-job' });
        const second = await c.waitFor((e) => e.event === 'job:checkpoint' && e.jobId === jobId && e.seq === 2);
        const owner = c.nodes.get(second.node)!;
        owner.child.kill('SIGKILL');
        const killedAt = performance.now();
        const takeover = await c.waitFor((e) => e.event === 'job:takeover' && e.jobId === jobId);
        assert.notEqual(takeover.node, owner.id);
        assert.equal(takeover.fromNode, owner.id);
        assert.equal(takeover.seq, 2);
        const detectMs = takeover.at - killedAt;
        assert.ok(detectMs < HB_TIMEOUT_MS + 2000, `takeover ${detectMs.toFixed(0)} ms after the kill`);
        const job = await client.waitForJob(jobId, { timeoutMs: 30_000 });
        assert.equal(job.status, 'completed');
        assert.equal(job.result, 10);
        assert.equal(job.attempt, 2);
        assert.equal(ranOnce(file, 'step1'), 1);
        assert.equal(ranOnce(file, 'step2'), 1);
        const types = (await client.getJobEvents(jobId)).map((e) => e.type);
        assert.ok(types.includes('takeover'), types.join());
        assert.equal(types.filter((t) => t === 'completed').length, 1);
      } finally {
        await c.stopAll();
      }
    });

    test('a SIGSTOPped owner is taken over; after SIGCONT its late writes are refused', async () => {
      const { c, file } = await cluster('zombie');
      try {
        const { jobId } = await client.submit('pipeline', { steps: 3, stepMs: 600 }, { jobId: 'zombie-job' });
        const first = await c.waitFor((e) => e.event === 'job:checkpoint' && e.jobId === jobId && e.seq === 1);
        const zombie = c.nodes.get(first.node)!;
        zombie.child.kill('SIGSTOP');
        const takeover = await c.waitFor((e) => e.event === 'job:takeover' && e.jobId === jobId);
        assert.notEqual(takeover.node, zombie.id);
        zombie.child.kill('SIGCONT');
        const job = await client.waitForJob(jobId, { timeoutMs: 30_000 });
        assert.equal(job.status, 'completed');
        assert.equal(job.result, 6);
        await c.waitFor((e) => e.event === 'lease:lost' && e.node === zombie.id && e.jobId === jobId, 10_000, 'the zombie to find its lease lost');
        assert.ok(!c.events.some((e) => e.event === 'job:completed' && e.node === zombie.id), 'the zombie never completes');
        assert.ok(!c.events.some((e) => e.event === 'job:checkpoint' && e.node === zombie.id && (e.seq ?? 0) > 1), 'no checkpoint of the zombie after the takeover');
        const events = await client.getJobEvents(jobId);
        assert.equal(events.filter((e) => e.type === 'completed').length, 1);
        assert.equal(ranOnce(file, 'step1'), 1);
        const seqs = events.filter((e) => e.type === 'checkpoint').map((e) => e.data!.seq as number);
        assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'seq only grows');
      } finally {
        await c.stopAll();
      }
    });

    test('a task that blocks the event loop for 3x the heartbeat timeout is not taken over', async () => {
      const { c } = await cluster('spin', ['n1', 'n2']);
      try {
        const { jobId } = await client.submit('spin', { ms: 3 * HB_TIMEOUT_MS }, { jobId: 'spin-job' });
        const job = await client.waitForJob(jobId, { timeoutMs: 30_000 });
        assert.equal(job.status, 'completed');
        assert.equal(job.attempt, 1);
        assert.equal(job.crashCount, 0);
        assert.ok(!c.events.some((e) => e.event === 'job:takeover' && e.jobId === jobId), JSON.stringify(c.events));
        const spinner = (await client.listNodes()).find((n) => n.label === job.ownerNode && n.status === 'alive');
        assert.ok(spinner, 'the spinning node is still alive');
      } finally {
        await c.stopAll();
      }
    });

    test('SIGTERM hands the job off: another node resumes it well before the heartbeat timeout', async () => {
      const { c, file } = await cluster('term', ['n1', 'n2']);
      try {
        const { jobId } = await client.submit('pipeline', { steps: 4, stepMs: 400 }, { jobId: 'term-job' });
        const first = await c.waitFor((e) => e.event === 'job:checkpoint' && e.jobId === jobId && e.seq === 1);
        const owner = c.nodes.get(first.node)!;
        owner.child.kill('SIGTERM');
        const termAt = performance.now();
        const exit = await owner.done;
        assert.equal(exit.code, 0, exit.stderr);
        const next = await c.waitFor((e) => e.event === 'job:claimed' && e.jobId === jobId && e.node !== owner.id);
        assert.ok(next.at - termAt < HB_TIMEOUT_MS, `resumed ${(next.at - termAt).toFixed(0)} ms after SIGTERM`);
        const job = await client.waitForJob(jobId, { timeoutMs: 30_000 });
        assert.equal(job.status, 'completed');
        assert.equal(job.result, 10);
        assert.equal(ranOnce(file, 'step1'), 1);
        assert.equal(job.crashCount, 0, 'a handoff is not a crash');
      } finally {
        await c.stopAll();
      }
    });

    test('a job that kills its node every time fails after the crash limit', async () => {
      const { c } = await cluster('crash', ['n1', 'n2', 'n3']);
      try {
        const { jobId } = await client.submit('crasher', null, { jobId: 'crash-job', maxCrashes: 2 });
        const job = await client.waitForJob(jobId, { timeoutMs: 40_000 });
        assert.equal(job.status, 'failed');
        assert.equal(job.error?.code, 'CRASH_LIMIT');
        assert.equal(job.crashCount, 2);
      } finally {
        await c.stopAll();
      }
    });
  });
}
