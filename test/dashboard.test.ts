/**
 * The dashboard end to end, in a real browser (Debian's chromium via playwright-core), on a
 * real cluster: three worker processes on a SQLite file, one SIGKILLed mid-job. The page must
 * show the job appear live, the takeover on its timeline and the job complete; its Cancel
 * button must cancel a running job. Also: the token guards a dashboard bound beyond loopback.
 * `UPDATE_SCREENSHOT=1` saves the timeline picture to docs/dashboard-timeline.png.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client, openStore, type Store } from '../src/index.js';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';
import { TestCluster } from './helpers/cluster.js';
import { browserSkipReason, launchBrowser, type Browser } from './fixtures/dashboard-browser.js';

/** The README's picture, refreshed with UPDATE_SCREENSHOT=1 (else written to the temp dir, so runs leave docs/ alone). */
const DOCS_SCREENSHOT = fileURLToPath(new URL('../docs/dashboard-timeline.png', import.meta.url));

test('bound beyond loopback, every request needs the token (401 without it)', async () => {
  const store = await openStore('memory:');
  await assert.rejects(startDashboard({ store, host: '0.0.0.0', port: 0 }), /without a token/);
  const token = 'test-token-0123456789abcdef';
  const dashboard = await startDashboard({ store, host: '0.0.0.0', port: 0, token });
  try {
    const base = `http://127.0.0.1:${dashboard.port}`;
    for (const path of ['/', '/static/app.js', '/api/jobs', '/api/live']) {
      assert.equal((await fetch(base + path)).status, 401, path);
    }
    assert.equal(
      (await fetch(`${base}/api/jobs`, { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status,
      401,
    );
    assert.equal((await fetch(`${base}/api/jobs`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);
  } finally {
    await dashboard.close();
    await store.close();
  }
});

const skip = browserSkipReason();

describe('dashboard in a browser, on a live cluster', { skip }, () => {
  let dir: string;
  let url: string;
  let store: Store;
  let client: Client;
  let cluster: TestCluster;
  let dashboard: Dashboard;
  let browser: Browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-dashboard-'));
    url = `sqlite:${join(dir, 'baton.db')}`;
    store = await openStore(url);
    client = new Client({ store: url });
    cluster = new TestCluster({ STORE: url, SIDE_EFFECTS: join(dir, 'effects.log') });
    const [, launched, started] = await Promise.all([
      cluster.startAll(['n1', 'n2', 'n3']),
      launchBrowser(),
      startDashboard({ store, port: 0, pollMs: 300 }),
    ]);
    browser = launched;
    dashboard = started;
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    await cluster?.stopAll();
    await client?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a killed node: the timeline shows the takeover, then the job completes', async () => {
    const { page } = browser;
    await page.goto(dashboard.url);
    await page.locator('tr.node').first().waitFor();
    const { jobId } = await client.submit('pipeline', { steps: 6, stepMs: 500 }, { jobId: 'takeover-job' });
    // The new row arrives through the live feed, without a reload.
    await page.locator(`tr.job[data-id="${jobId}"]`).waitFor({ timeout: 10_000 });
    await page.click(`tr.job[data-id="${jobId}"] a`);
    await page.locator('svg.timeline .bar.running').waitFor();

    const second = await cluster.waitFor(
      (e) => e.event === 'job:checkpoint' && e.jobId === jobId && e.seq === 2,
      20_000,
      'checkpoint 2',
    );
    cluster.nodes.get(second.node)!.child.kill('SIGKILL');
    const takeover = await cluster.waitFor(
      (e) => e.event === 'job:takeover' && e.jobId === jobId,
      20_000,
      'the takeover',
    );

    const timeline = page.locator('svg.timeline');
    await timeline.locator('.mark.takeover').waitFor({ timeout: 10_000 });
    await page.locator('.job-head .pill.completed').waitFor({ timeout: 20_000 });
    const lanes = await timeline.locator('.lane-label').allTextContents();
    assert.deepEqual(lanes, [second.node, takeover.node]);
    assert.equal(await timeline.locator('.bar.crashed').count(), 1);
    assert.equal(await timeline.locator('.bar.completed').count(), 1);
    assert.equal(await timeline.locator('.mark.kill').count(), 1);
    assert.equal(await timeline.locator('.mark.detected').count(), 1);
    assert.match((await timeline.locator('.mark-label.takeover').textContent()) ?? '', /^takeover \d/);
    assert.match((await timeline.locator('.mark-label.resume').textContent()) ?? '', /resumed from #2 .*skipped/);
    assert.ok((await timeline.locator('.mark.checkpoint').count()) >= 6, 'a mark per checkpoint');

    // A tooltip on a checkpoint, then the picture for the docs: the page down to the timeline.
    await timeline.locator('.mark.checkpoint').nth(1).hover();
    await page.locator('#tooltip:not([hidden])').waitFor();
    assert.match((await page.locator('#tooltip').textContent()) ?? '', /^checkpoint #2 · \d+%/);
    const box = (await page.locator('.timeline-box').boundingBox())!;
    const shot = process.env.UPDATE_SCREENSHOT === '1' ? DOCS_SCREENSHOT : join(dir, 'dashboard-timeline.png');
    mkdirSync(join(shot, '..'), { recursive: true });
    await page.screenshot({
      path: shot,
      clip: { x: 0, y: 0, width: page.viewportSize()!.width, height: box.y + box.height + 20 },
    });
    assert.deepEqual(browser.errors, []);
  });

  test('Cancel on a running job cancels it', async () => {
    const { page } = browser;
    const { jobId } = await client.submit('pipeline', { steps: 40, stepMs: 250 }, { jobId: 'cancel-job' });
    await cluster.waitFor((e) => e.event === 'job:claimed' && e.jobId === jobId, 10_000, 'the claim');
    await page.goto(`${dashboard.url}#/jobs/${jobId}`);
    await page.locator('.job-head .pill.running').waitFor();
    const cancel = page.locator('button.action.cancel');
    await cancel.click(); // arms
    assert.equal(await cancel.textContent(), 'Confirm cancel');
    await cancel.click();
    await page.locator('.job-head .pill.cancelled').waitFor({ timeout: 10_000 });
    assert.equal((await client.getJob(jobId))!.status, 'cancelled');
    assert.ok(await page.locator('button.action.retry:not([disabled])').isVisible(), 'Retry is offered once cancelled');
    assert.deepEqual(browser.errors, []);
  });
});
