/**
 * Postgres restarted while jobs run (a private embedded server, never the shared one): the
 * workers reconnect, the jobs complete, nothing is lost or completed twice.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../src/index.js';
import { sleep } from './helpers/backends.js';
import { TestCluster } from './helpers/cluster.js';
import { startEmbeddedPostgres } from './helpers/postgres.js';

const wanted = process.env.BACKENDS?.split(',');
test('workers survive a Postgres restart and finish their jobs exactly once', { skip: wanted !== undefined && !wanted.includes('postgres') }, async () => {
  const server = await startEmbeddedPostgres();
  const file = join(mkdtempSync(join(tmpdir(), 'baton-pgr-')), 'effects.log');
  const cluster = new TestCluster({ STORE: server.url, SIDE_EFFECTS: file });
  const client = new Client({ store: server.url });
  try {
    await cluster.startAll(['p1', 'p2']);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await client.submit('pipeline', { steps: 5, stepMs: 300 }, { jobId: `restart-${i}` })).jobId);
    await cluster.waitFor((e) => e.event === 'job:checkpoint' && (e.seq ?? 0) >= 1);
    await client.close();
    await server.stop();
    await sleep(2000);
    await server.start();
    const again = new Client({ store: server.url });
    for (const id of ids) {
      const job = await again.waitForJob(id, { timeoutMs: 60_000 });
      assert.equal(job.status, 'completed', JSON.stringify(job.error));
      assert.equal(job.result, 15);
      const events = await again.getJobEvents(id);
      assert.equal(events.filter((e) => e.type === 'completed').length, 1);
    }
    await again.close();
    const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
    for (const id of [1, 2, 3, 4, 5]) assert.ok(lines.filter((l) => l.startsWith(`step${id} `)).length >= 3, `step${id} ran for every job`);
  } finally {
    await cluster.stopAll();
    await server.stop().catch(() => undefined);
  }
});
