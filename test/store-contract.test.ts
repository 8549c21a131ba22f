/**
 * The Store contract, run against every backend (memory, sqlite, postgres). A new backend is
 * done when this file passes on it unchanged.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { isBatonError } from '../src/errors.js';
import { openStore } from '../src/store/open-store.js';
import type { CheckpointWrite, Fence, Store, SubmitJobInput } from '../src/store/store.js';
import { backends, sleep } from './helpers/backends.js';

const bytes = (s: string) => Buffer.from(s);

function job(id: string, over: Partial<SubmitJobInput> = {}): SubmitJobInput {
  return { id, task: 't', taskVersion: null, input: bytes('{}'), priority: 0, runAt: null, maxAttempts: 3, maxCrashes: 3, backupNode: null, timeoutMs: null, ...over };
}

function cpWrite(over: Partial<CheckpointWrite> = {}): CheckpointWrite {
  return { nodeId: 'n1', attempt: 1, progress: 0.5, currentStep: 's', completedSteps: ['a'], manifest: '{}', chunkRefs: [], formatVersion: 1, checksum: 'c', sizeBytes: 10, inlineChunks: [], keep: 3, ...over };
}

for (const backend of backends()) {
  describe(`store contract: ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let node: { nodeId: string; nodeLabel: string };

    before(async () => {
      const created = await backend.create();
      cleanup = created.cleanup;
      store = await openStore(created.url);
      await store.migrate(); // twice: migrations apply once
      node = { nodeId: randomUUID(), nodeLabel: 'node-a' };
      await store.registerNode({ id: node.nodeId, label: node.nodeLabel, host: 'h', pid: 1, pidStart: null, tasks: ['t'] });
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    async function claimOne(id: string): Promise<Fence> {
      const got = await store.claimJobAt(id, (await store.getJob(id))!.epoch, ['queued'], node);
      assert.ok(got, `claim of ${id}`);
      return { jobId: id, epoch: got.epoch };
    }

    test('the clock is the store clock, in ms', async () => {
      const now = await store.now();
      assert.ok(Math.abs(now - Date.now()) < 60_000);
    });

    test('submit is idempotent per id and refuses an id of another task', async () => {
      const first = await store.submitJob(job('idem'));
      const again = await store.submitJob(job('idem', { input: bytes('other') }));
      assert.equal(first.created, true);
      assert.equal(again.created, false);
      assert.deepEqual(Buffer.from(again.job.input), bytes('{}'));
      await assert.rejects(store.submitJob(job('idem', { task: 'other' })), (e) => isBatonError(e, 'JOB_CONFLICT'));
      assert.equal((await store.getJob('idem'))!.status, 'queued');
      assert.equal(await store.getJob('nope'), null);
    });

    test('claims go by priority, then run time, then submission order; each bumps epoch and attempt', async () => {
      const task = `order-${backend.name}`;
      await store.submitJob(job('o1', { task }));
      await store.submitJob(job('o2', { task, priority: 5 }));
      await store.submitJob(job('o3', { task }));
      await store.submitJob(job('o4', { task, runAt: (await store.now()) + 60_000 }));
      const req = { ...node, tasks: [task], limit: 1 };
      const order = [];
      for (let i = 0; i < 4; i++) order.push(...(await store.claimJobs(req)).map((j) => j.id));
      assert.deepEqual(order, ['o2', 'o1', 'o3']);
      const o2 = (await store.getJob('o2'))!;
      assert.equal(o2.status, 'running');
      assert.equal(o2.epoch, 1);
      assert.equal(o2.attempt, 1);
      assert.equal(o2.ownerNode, node.nodeId);
      assert.equal(o2.ownerLabel, 'node-a');
      assert.deepEqual(await store.claimJobs({ ...node, tasks: ['unserved'], limit: 5 }), []);
      const types = (await store.listEvents('o2')).map((e) => e.type);
      assert.deepEqual(types, ['submitted', 'claimed']);
    });

    test('fenced writes refuse a stale epoch and change nothing', async () => {
      await store.submitJob(job('fence'));
      const fence = await claimOne('fence');
      await store.releaseJob(fence);
      const newer = await claimOne('fence');
      assert.equal(newer.epoch, fence.epoch + 1);
      for (const write of [
        () => store.completeJob(fence, bytes('r'), false),
        () => store.failJob(fence, { error: { name: 'E', message: 'm' }, retryAt: null }),
        () => store.releaseJob(fence),
        () => store.reportProgress(fence, 0.9, 'x'),
        () => store.commitCheckpoint(fence, cpWrite()),
      ]) {
        await assert.rejects(write(), (e) => isBatonError(e, 'LEASE_LOST'));
      }
      const row = (await store.getJob('fence'))!;
      assert.equal(row.status, 'running');
      assert.equal(row.checkpointSeq, 0);
      assert.equal(row.progress, 0);
      await store.completeJob(newer, bytes('ok'), false);
      const done = (await store.getJob('fence'))!;
      assert.equal(done.status, 'completed');
      assert.deepEqual(Buffer.from(done.result!), bytes('ok'));
      await assert.rejects(store.completeJob(newer, bytes('twice'), false), (e) => isBatonError(e, 'LEASE_LOST'));
    });

    test('checkpoints: seq grows, chunks are checked, old ones pruned with their chunks', async () => {
      await store.submitJob(job('cp'));
      const fence = await claimOne('cp');
      const seqs = [];
      for (let i = 0; i < 5; i++) {
        const hash = `h${i}`;
        const c = await store.commitCheckpoint(fence, cpWrite({ progress: i / 10, chunkRefs: [hash, 'shared'], inlineChunks: i === 0 ? [[hash, bytes('x')], ['shared', bytes('s')]] : [[hash, bytes('x')]], keep: 2 }));
        seqs.push(c.seq);
      }
      assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
      const kept = await store.getCheckpoints('cp', 10);
      assert.deepEqual(kept.map((k) => k.seq), [5, 4]);
      assert.equal(kept[0].progress, 0.4);
      assert.deepEqual(kept[0].completedSteps, ['a']);
      const chunks = await store.getChunks('cp', ['h0', 'h3', 'h4', 'shared']);
      assert.deepEqual([...chunks.keys()].sort(), ['h3', 'h4', 'shared']);
      // A checkpoint naming a chunk that is not there is refused whole.
      await assert.rejects(store.commitCheckpoint(fence, cpWrite({ chunkRefs: ['missing'] })), (e) => isBatonError(e, 'CHECKPOINT_CORRUPT'));
      assert.equal((await store.getJob('cp'))!.checkpointSeq, 5);
      // Big chunks are written ahead, then referenced.
      await store.putChunks('cp', [['big', Buffer.alloc(3 << 20, 7)]]);
      const c6 = await store.commitCheckpoint(fence, cpWrite({ chunkRefs: ['big'], keep: 2 }));
      assert.equal(c6.seq, 6);
      assert.equal((await store.getChunks('cp', ['big'])).get('big')!.length, 3 << 20);
      const summary = await store.listCheckpoints('cp');
      assert.deepEqual(summary.map((s) => s.seq), [6, 5]);
      assert.equal(summary[0].nodeId, 'n1');
      assert.equal((await store.getJob('cp'))!.progress, 0.5);
      const events = (await store.listEvents('cp')).filter((e) => e.type === 'checkpoint');
      assert.equal(events.length, 6);
      assert.equal(events[5].data!.seq, 6);
      await store.completeJob(fence, bytes('done'), false);
      assert.deepEqual(await store.getCheckpoints('cp', 10), []);
      assert.equal((await store.getChunks('cp', ['big', 'h4'])).size, 0);
    });

    test('concurrent checkpoints commit together; a refused one does not take the others down', async () => {
      const fences: Fence[] = [];
      for (let i = 0; i < 8; i++) {
        await store.submitJob(job(`grp-${i}`));
        fences.push(await claimOne(`grp-${i}`));
      }
      const stale = { ...fences[3], epoch: fences[3].epoch - 1 };
      const results = await Promise.allSettled(
        fences.map((f, i) => store.commitCheckpoint(i === 3 ? stale : f, cpWrite({ chunkRefs: [`g${i}`], inlineChunks: [[`g${i}`, bytes(`v${i}`)]] }))),
      );
      results.forEach((r, i) => {
        if (i === 3) assert.ok(r.status === 'rejected' && isBatonError(r.reason, 'LEASE_LOST'));
        else assert.equal(r.status === 'fulfilled' && r.value.seq, 1, `job ${i}`);
      });
      assert.equal((await store.getJob('grp-3'))!.checkpointSeq, 0);
      assert.equal((await store.getChunks('grp-3', ['g3'])).size, 0, 'the refused write left nothing behind');
      await Promise.all(fences.map((f, i) => (i === 3 ? undefined : store.completeJob(f, bytes('r'), false))));
      assert.equal((await store.getJob('grp-0'))!.status, 'completed');
    });

    test('completion can keep checkpoints; deleteCheckpoints removes them', async () => {
      await store.submitJob(job('keep'));
      const fence = await claimOne('keep');
      await store.commitCheckpoint(fence, cpWrite({ chunkRefs: ['k'], inlineChunks: [['k', bytes('v')]] }));
      await store.completeJob(fence, bytes('r'), true);
      assert.equal((await store.getCheckpoints('keep', 5)).length, 1);
      assert.equal(await store.deleteCheckpoints('keep'), 1);
      assert.equal((await store.getChunks('keep', ['k'])).size, 0);
    });

    test('failJob retries later or fails for good, counting errors', async () => {
      await store.submitJob(job('f'));
      let fence = await claimOne('f');
      const later = (await store.now()) + 60_000;
      await store.failJob(fence, { error: { name: 'E', message: 'boom', code: 'X' }, retryAt: later });
      let row = (await store.getJob('f'))!;
      assert.equal(row.status, 'queued');
      assert.equal(row.errorCount, 1);
      assert.equal(row.runAt, later);
      assert.equal(row.requeueReason, 'retry');
      fence = await claimOne('f');
      await store.failJob(fence, { error: { name: 'E', message: 'final' }, retryAt: null });
      row = (await store.getJob('f'))!;
      assert.equal(row.status, 'failed');
      assert.equal(row.error!.message, 'final');
      assert.equal(row.errorCount, 2);
      assert.ok(row.finishedAt! > 0);
      const retried = await store.retryJob('f');
      assert.equal(retried!.status, 'queued');
      assert.equal(retried!.errorCount, 0);
      assert.equal(await store.retryJob('f'), null);
    });

    test('cancel ends queued and running jobs; the owner learns it from findRevokedLeases', async () => {
      await store.submitJob(job('c1'));
      await store.submitJob(job('c2'));
      const fence = await claimOne('c2');
      assert.equal((await store.cancelJob('c1'))!.status, 'cancelled');
      assert.equal((await store.cancelJob('c2'))!.status, 'cancelled');
      assert.equal(await store.cancelJob('c2'), null);
      assert.deepEqual(await store.findRevokedLeases([fence, { jobId: 'fence', epoch: 99 }]), ['c2', 'fence']);
      await assert.rejects(store.completeJob(fence, bytes('r'), false), (e) => isBatonError(e, 'LEASE_LOST'));
    });

    test('claimJobAt is a compare-and-set on the epoch', async () => {
      await store.submitJob(job('cas'));
      const a = await store.claimJobAt('cas', 0, ['queued'], node);
      assert.equal(a!.epoch, 1);
      assert.equal(await store.claimJobAt('cas', 0, ['queued', 'running'], node), null);
      const b = await store.claimJobAt('cas', 1, ['running'], { nodeId: node.nodeId, nodeLabel: 'node-b' });
      assert.equal(b!.epoch, 2);
      assert.equal(b!.crashCount, 1);
      const events = await store.listEvents('cas');
      assert.equal(events.at(-1)!.type, 'takeover');
      assert.equal(events.at(-1)!.data!.fromNode, 'node-a');
    });

    test('a node declared dead cannot claim', async () => {
      const ghost = { nodeId: randomUUID(), nodeLabel: 'ghost' };
      await store.registerNode({ id: ghost.nodeId, label: 'ghost', host: 'h', pid: 5, pidStart: null, tasks: ['ghost-t'] });
      await store.submitJob(job('ghost-job', { task: 'ghost-t' }));
      await store.declareNodeDead(ghost.nodeId);
      assert.deepEqual(await store.claimJobs({ ...ghost, tasks: ['ghost-t'], limit: 1 }), []);
      assert.equal(await store.claimJobAt('ghost-job', 0, ['queued'], ghost), null);
      assert.equal((await store.getJob('ghost-job'))!.status, 'queued');
    });

    test('heartbeats, dead nodes and requeue of their jobs by the store clock', async () => {
      const dying = { nodeId: randomUUID(), nodeLabel: 'dying' };
      await store.registerNode({ id: dying.nodeId, label: 'dying', host: 'h', pid: 2, pidStart: null, tasks: ['hb'] });
      await store.submitJob(job('hb1', { task: 'hb' }));
      await store.submitJob(job('hb2', { task: 'hb', maxCrashes: 1 }));
      await store.submitJob(job('hb3', { task: 'hb', backupNode: 'backup' }));
      const claimed = await store.claimJobs({ ...dying, tasks: ['hb'], limit: 10 });
      assert.equal(claimed.length, 3);
      assert.equal(await store.heartbeat(dying.nodeId), true);
      assert.deepEqual(await store.markDeadNodes(60_000), []);
      await sleep(300);
      await store.heartbeat(node.nodeId);
      const dead = await store.markDeadNodes(200);
      assert.deepEqual(dead.map((n) => n.id), [dying.nodeId]);
      assert.equal(await store.heartbeat(dying.nodeId), false, 'a dead node cannot come back');
      const requeued = await store.requeueOrphanedJobs(60_000);
      assert.deepEqual(requeued.map((r) => [r.jobId, r.failed]).sort(), [['hb1', false], ['hb2', true], ['hb3', false]]);
      assert.deepEqual(await store.requeueOrphanedJobs(60_000), [], 'requeue is a compare-and-set');
      const hb2 = (await store.getJob('hb2'))!;
      assert.equal(hb2.status, 'failed');
      assert.equal(hb2.error!.code, 'CRASH_LIMIT');
      const hb1 = (await store.getJob('hb1'))!;
      assert.equal(hb1.crashCount, 1);
      assert.equal(hb1.lastOwnerLabel, 'dying');
      // hb3 waits for its backup node; others may claim it only after the grace period.
      const other = await store.claimJobs({ ...node, tasks: ['hb'], limit: 10 });
      assert.deepEqual(other.map((j) => j.id), ['hb1']);
      const takeoverEvent = (await store.listEvents('hb1')).at(-1)!;
      assert.equal(takeoverEvent.type, 'takeover');
      assert.deepEqual([takeoverEvent.data!.fromNode, takeoverEvent.data!.toNode], ['dying', 'node-a']);
      const backup = { nodeId: randomUUID(), nodeLabel: 'backup' };
      await store.registerNode({ id: backup.nodeId, label: 'backup', host: 'h', pid: 3, pidStart: null, tasks: ['hb'] });
      assert.deepEqual((await store.claimJobs({ ...backup, tasks: ['hb'], limit: 10 })).map((j) => j.id), ['hb3']);
      const nodes = await store.listNodes();
      const mine = nodes.find((n) => n.id === node.nodeId)!;
      assert.equal(mine.status, 'alive');
      assert.ok(mine.runningJobs >= 1);
      assert.equal(nodes.find((n) => n.id === dying.nodeId)!.status, 'dead');
      assert.equal(await store.declareNodeDead(backup.nodeId), true);
      assert.equal(await store.declareNodeDead(backup.nodeId), false);
      await store.stopNode(node.nodeId);
      assert.equal((await store.getNode(node.nodeId))!.status, 'stopped');
    });

    test('finished jobs are deleted with everything they own', async () => {
      const before = (await store.listJobs({ limit: 1000 })).length;
      await store.submitJob(job('gc'));
      await store.cancelJob('gc');
      await sleep(5);
      const removed = await store.deleteFinishedJobs((await store.now()) + 1);
      assert.ok(removed >= 1);
      assert.equal(await store.getJob('gc'), null);
      assert.deepEqual(await store.listEvents('gc'), []);
      assert.ok((await store.listJobs({ limit: 1000 })).length < before + 1);
    });

    test('listJobs filters by status, task and node, and pages by keyset', async () => {
      await store.submitJob(job('l1', { task: 'list-t' }));
      const queued = await store.listJobs({ status: 'queued', task: 'list-t' });
      assert.deepEqual(queued.map((j) => j.id), ['l1']);
      assert.deepEqual(await store.listJobs({ status: 'running', task: 'list-t' }), []);
      for (let i = 2; i <= 7; i++) await store.submitJob(job(`l${i}`, { task: 'list-t' }));
      const seen: string[] = [];
      let before: { createdAt: number; id: string } | undefined;
      for (;;) {
        const page = await store.listJobs({ task: 'list-t', limit: 3, before });
        if (page.length === 0) break;
        seen.push(...page.map((j) => j.id));
        before = { createdAt: page.at(-1)!.createdAt, id: page.at(-1)!.id };
      }
      assert.deepEqual([...seen].sort(), ['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7'], 'every job once across pages');
      assert.equal(new Set(seen).size, 7);
      const runner = { nodeId: randomUUID(), nodeLabel: 'lister' };
      await store.registerNode({ id: runner.nodeId, label: 'lister', host: 'h', pid: 4, pidStart: null, tasks: ['list-t'] });
      await store.claimJobAt('l3', 0, ['queued'], runner);
      assert.deepEqual((await store.listJobs({ node: 'lister' })).map((j) => j.id), ['l3']);
      const counts = await store.countJobs();
      assert.ok((counts.queued ?? 0) >= 6);
      assert.ok((counts.running ?? 0) >= 1);
      const since = (await store.now()) - 60_000;
      const recent = await store.listRecentEvents({ since, types: ['claimed'] });
      assert.ok(recent.some((e) => e.jobId === 'l3' && e.type === 'claimed'));
      assert.ok(recent.every((e) => e.type === 'claimed' && e.at >= since));
    });
  });
}
