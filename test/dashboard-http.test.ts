/**
 * The dashboard's HTTP layer without a browser: token, cookie, Host and CSRF checks, keyset
 * paging, the live feed, and the timeline model built from a takeover's events.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { encodeValue, openStore, type NodeRow, type Store } from '../src/index.js';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';
import { buildTimeline, workSaved } from '../src/dashboard/timeline.js';
import type { JobEvent } from '../src/store/records.js';
import { readFeed } from './fixtures/dashboard-feed.js';

const TOKEN = 'http-test-token-0123456789';

async function submit(store: Store, id: string, task = 'alpha') {
  await store.submitJob({
    id,
    task,
    taskVersion: null,
    input: encodeValue({ n: id }),
    priority: 0,
    runAt: null,
    maxAttempts: null,
    maxCrashes: 3,
    backupNode: null,
    timeoutMs: null,
  });
}

describe('dashboard HTTP', () => {
  let store: Store;
  let open: Dashboard;
  let guarded: Dashboard;
  before(async () => {
    store = await openStore('memory:');
    for (let i = 0; i < 120; i++) await submit(store, `job-${String(i).padStart(3, '0')}`, i % 2 ? 'alpha' : 'beta');
    open = await startDashboard({ store, port: 0, pollMs: 100 });
    guarded = await startDashboard({ store, host: '0.0.0.0', port: 0, token: TOKEN });
  });
  after(async () => {
    await open.close();
    await guarded.close();
    await store.close();
  });

  test('a short token is refused', async () => {
    await assert.rejects(startDashboard({ store, port: 0, token: 'short' }), /shorter than 16/);
  });

  test('?token= on the page trades for an HttpOnly SameSite=Strict cookie that opens the rest', async () => {
    const base = `http://127.0.0.1:${guarded.port}`;
    assert.equal((await fetch(`${base}/?token=nope-nope-nope-nope`, { redirect: 'manual' })).status, 401);
    const res = await fetch(`${base}/?token=${TOKEN}`, { redirect: 'manual' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/');
    const cookie = res.headers.get('set-cookie')!;
    assert.match(cookie, /HttpOnly; SameSite=Strict/);
    assert.ok(!cookie.includes(TOKEN), 'the cookie holds a derived value, not the token');
    const cookieHeader = cookie.split(';')[0];
    for (const path of ['/', '/static/app.js', '/api/jobs'])
      assert.equal((await fetch(base + path, { headers: { cookie: cookieHeader } })).status, 200, path);
    assert.equal((await fetch(`${base}/api/jobs?token=${TOKEN}`)).status, 401, '?token= opens only the page');
  });

  test('without a token, only loopback Host names are served (no DNS rebinding)', async () => {
    // fetch sets Host itself: send a raw request, as a rebinding page's browser would.
    const status = await new Promise<number>((resolve, reject) => {
      request({ port: open.port, path: '/api/jobs', headers: { Host: 'evil.example:7370' } }, (res) =>
        resolve(res.resume().statusCode!),
      )
        .on('error', reject)
        .end();
    });
    assert.equal(status, 403);
    assert.equal((await fetch(`${open.url}api/jobs`)).status, 200);
  });

  test('cancel and retry need POST with X-Baton: 1 and no foreign Origin', async () => {
    const path = `${open.url}api/jobs/job-000/cancel`;
    assert.equal((await fetch(path, { method: 'POST' })).status, 403);
    assert.equal(
      (await fetch(path, { method: 'POST', headers: { 'X-Baton': '1', Origin: 'https://evil.example' } })).status,
      403,
    );
    assert.equal((await fetch(path)).status, 405);
    const ok = await fetch(path, { method: 'POST', headers: { 'X-Baton': '1' } });
    assert.deepEqual(await ok.json(), { id: 'job-000', status: 'cancelled' });
    const again = await fetch(path, { method: 'POST', headers: { 'X-Baton': '1' } });
    assert.equal(again.status, 409);
    assert.match(((await again.json()) as { error: string }).error, /already cancelled/);
    const retry = await fetch(`${open.url}api/jobs/job-000/retry`, { method: 'POST', headers: { 'X-Baton': '1' } });
    assert.deepEqual(await retry.json(), { id: 'job-000', status: 'queued' });
  });

  test('jobs page by keyset: every job once, newest first, with filters and totals', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    for (;;) {
      const q: string = before === null ? '' : `&before=${encodeURIComponent(before)}`;
      const page = (await (await fetch(`${open.url}api/jobs?limit=50${q}`)).json()) as {
        jobs: { id: string }[];
        next: string | null;
        total: number;
      };
      assert.equal(page.total, 120);
      seen.push(...page.jobs.map((j) => j.id));
      if (page.next === null) break;
      before = page.next;
    }
    assert.equal(seen.length, 120);
    assert.equal(new Set(seen).size, 120);
    assert.equal(seen[0], 'job-119');
    const beta = (await (await fetch(`${open.url}api/jobs?task=beta&limit=200`)).json()) as {
      jobs: { task: string }[];
      total: null;
    };
    assert.equal(beta.jobs.length, 60);
    assert.ok(beta.jobs.every((j) => j.task === 'beta'));
    assert.equal((await fetch(`${open.url}api/jobs?status=bogus`)).status, 400);
    assert.equal((await fetch(`${open.url}api/jobs/no-such-job`)).status, 404);
  });

  test('the live feed sends the overview, then names jobs as they change', async () => {
    const controller = new AbortController();
    const res = await fetch(`${open.url}api/live`, { signal: controller.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const feed = readFeed(res);
    try {
      await feed.until(/event: overview\ndata: .*"store":"memory:"/);
      await submit(store, 'live-job');
      await feed.until(/event: jobs\ndata: \{"changed":\["live-job"\],"submitted":1/);
    } finally {
      controller.abort();
    }
  });
});

test('timeline: a crash on one node, detection, takeover and resume on another', () => {
  const ev = (
    id: number,
    type: JobEvent['type'],
    at: number,
    nodeId: string | null,
    attempt: number | null,
    data: Record<string, unknown> | null = null,
  ): JobEvent => ({ id, jobId: 'j', type, at, nodeId, attempt, epoch: attempt, data });
  const events = [
    ev(1, 'submitted', 1000, null, null),
    ev(2, 'claimed', 1010, 'a', 1),
    ev(3, 'checkpoint', 2000, 'a', 1, { seq: 1, progress: 0.25, step: 's1', steps: 1, sizeBytes: 100 }),
    ev(4, 'checkpoint', 3000, 'a', 1, { seq: 2, progress: 0.5, step: 's2', steps: 2, sizeBytes: 120 }),
    ev(5, 'requeued', 6000, 'a', 1, { fromNode: 'a' }),
    ev(6, 'takeover', 6010, 'b', 2, { fromNode: 'a', toNode: 'b' }),
    ev(7, 'completed', 9000, 'b', 2),
  ];
  const node = { id: 'a-1', label: 'a', status: 'dead', heartbeatAt: 3500, deadAt: 5990 } as NodeRow;
  const t = buildTimeline({ events, nodes: [node], now: 9500, running: false });
  assert.deepEqual(t.lanes, ['a', 'b']);
  assert.deepEqual(
    t.bars.map((b) => [b.node, b.start, b.end, b.outcome]),
    [
      ['a', 1010, 3500, 'crashed'],
      ['b', 6010, 9000, 'completed'],
    ],
  );
  const kill = t.marks.find((m) => m.kind === 'kill')!;
  assert.deepEqual([kill.at, kill.node, kill.data.lostMs], [3500, 'a', 500]);
  assert.equal(t.marks.find((m) => m.kind === 'takeover')!.data.takeoverMs, 2510);
  assert.deepEqual(t.bars[1].resumedFrom, { seq: 2, at: 3000, progress: 0.5, steps: 2, stepNames: null });
  assert.equal(workSaved(t, 2), 1990, 'the running time up to checkpoint 2');
});
