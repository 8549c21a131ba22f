/**
 * The dashboard with 10,000 jobs in a SQLite store: every page and the live refresh stay
 * fast because nothing reads more than a page (keyset paging, counts by status, events
 * since the last poll). Prints the measured timings.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeValue, openStore, type Store } from '../src/index.js';
import { StorePoller } from '../src/dashboard/poller.js';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';
import { browserSkipReason, launchBrowser } from './fixtures/dashboard-browser.js';
import { readFeed } from './fixtures/dashboard-feed.js';

const JOBS = 10_000;
const timings: [string, number][] = [];

async function timed<T>(what: string, fn: () => Promise<T>, runs = 5): Promise<T> {
  const ms: number[] = [];
  let out!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = await fn();
    ms.push(performance.now() - t0);
  }
  const median = ms.sort((a, b) => a - b)[runs >> 1];
  timings.push([what, median]);
  return out;
}

const submitInput = (id: string, task: string) => ({
  id,
  task,
  taskVersion: null,
  input: encodeValue({ id }),
  priority: 0,
  runAt: null,
  maxAttempts: null,
  maxCrashes: 3,
  backupNode: null,
  timeoutMs: null,
});

describe(`dashboard with ${JOBS.toLocaleString('en')} jobs`, () => {
  let dir: string;
  let store: Store;
  let dashboard: Dashboard;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-dashboard-scale-'));
    store = await openStore(`sqlite:${join(dir, 'baton.db')}`);
    const t0 = performance.now();
    for (let i = 0; i < JOBS; i++)
      await store.submitJob(submitInput(`job-${String(i).padStart(5, '0')}`, i % 2 ? 'alpha' : 'beta'));
    timings.push([`insert ${JOBS} jobs (store.submitJob loop)`, performance.now() - t0]);
    for (let i = 0; i < JOBS; i += 10) await store.cancelJob(`job-${String(i).padStart(5, '0')}`);
    await store.registerNode({
      id: 'n1-incarnation',
      label: 'n1',
      host: 'test',
      pid: process.pid,
      pidStart: null,
      tasks: ['alpha'],
    });
    await store.claimJobs({ nodeId: 'n1-incarnation', nodeLabel: 'n1', tasks: ['alpha'], limit: 200 });
    dashboard = await startDashboard({ store, port: 0, pollMs: 200 });
  });
  after(async () => {
    await dashboard.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    console.log(`\n  timings with ${JOBS} jobs (median of 5 where repeated):`);
    for (const [what, ms] of timings) console.log(`    ${what.padEnd(52)} ${ms.toFixed(1).padStart(8)} ms`);
  });

  const get = async (path: string) => {
    const res = await fetch(dashboard.url + path.slice(1));
    assert.equal(res.status, 200, path);
    return res.json() as Promise<{ jobs: { id: string }[]; next: string | null; total: number | null }>;
  };

  test('pages of jobs load in well under 250 ms, however deep or filtered', async () => {
    await timed('GET / (the page)', () => fetch(dashboard.url).then((r) => r.text()));
    const first = await timed('GET /api/jobs (first page of 50)', () => get('/api/jobs'));
    assert.equal(first.total, JOBS);
    let cursor = first.next!;
    for (let i = 0; i < 100; i++) cursor = (await get(`/api/jobs?limit=50&before=${encodeURIComponent(cursor)}`)).next!;
    const deep = await timed('GET /api/jobs page 102 (keyset)', () =>
      get(`/api/jobs?before=${encodeURIComponent(cursor)}`),
    );
    assert.equal(deep.jobs.length, 50);
    await timed('GET /api/jobs?status=cancelled', () => get('/api/jobs?status=cancelled'));
    await timed('GET /api/jobs?status=running (at-risk lookups)', () => get('/api/jobs?status=running'));
    await timed('GET /api/jobs?task=alpha', () => get('/api/jobs?task=alpha'));
    await timed('GET /api/jobs?node=n1', () => get('/api/jobs?node=n1'));
    await timed('GET /api/jobs/<id> (detail + timeline)', () => get('/api/jobs/job-04242'));
    for (const [what, ms] of timings.filter(([w]) => w.startsWith('GET')))
      assert.ok(ms < 250, `${what}: ${ms.toFixed(0)} ms`);
  });

  test('a live refresh stays cheap: one poll, and a submit reaches an open feed', async () => {
    const poller = new StorePoller(store);
    await timed('first poll (loads the last hour of takeovers)', () => poller.poll(), 1);
    await store.submitJob(submitInput('poll-probe', 'alpha'));
    const poll = await timed('steady poll (events since the last one)', () => poller.poll());
    assert.ok(poll.overview.totals.jobs.queued! > 0);
    const controller = new AbortController();
    const res = await fetch(`${dashboard.url}api/live`, { signal: controller.signal });
    const feed = readFeed(res);
    try {
      await feed.until(/event: overview/);
      const t0 = performance.now();
      await store.submitJob(submitInput('sse-probe', 'alpha'));
      await feed.until(/event: jobs\ndata: \{"changed":\[[^\]]*"sse-probe"/);
      timings.push(['submit → SSE "jobs" event (poll every 200 ms)', performance.now() - t0]);
    } finally {
      controller.abort();
    }
    for (const [what, ms] of timings.filter(([w]) => /poll|SSE/.test(w)))
      assert.ok(ms < (what.includes('SSE') ? 1000 : 250), `${what}: ${ms.toFixed(0)} ms`);
  });

  test('the page renders its first rows and pages on in a browser', { skip: browserSkipReason() }, async () => {
    const browser = await launchBrowser();
    try {
      const { page } = browser;
      const t0 = performance.now();
      await page.goto(dashboard.url);
      await page.locator('tr.job').first().waitFor();
      await page.locator('tr.node').first().waitFor();
      timings.push(['browser: open → rows and nodes shown', performance.now() - t0]);
      const t1 = performance.now();
      await page.click('button.older');
      await page.locator('.pager', { hasText: 'jobs 51–100 of 10,' }).waitFor();
      timings.push(['browser: Older → next page shown', performance.now() - t1]);
      assert.deepEqual(browser.errors, []);
    } finally {
      await browser.close();
    }
  });
});
