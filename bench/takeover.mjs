/**
 * 6. Takeover latency. Four worker processes share a store; one long job runs on one of them.
 * The node running it is SIGKILLed, 30 times or more (quick: 5), each time at a random moment
 * of its heartbeat cycle; the time from the kill to the first new work on another node (the
 * task starting there, printed by the child) is the takeover latency. A fresh node replaces
 * each killed one. With the default heartbeat (1 s / 5 s) and tuned (200 ms / 1 s), on
 * Postgres and SQLite; and the handoff time after SIGTERM (final checkpoint, release, another
 * node claims it) on Postgres.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from './lib/baton.mjs';
import { q, scratchDir, sleep } from './lib/env.mjs';
import { createDatabase, postgresUnavailable } from './lib/pg.mjs';
import { Child } from './lib/proc.mjs';
import { Report } from './lib/report.mjs';
import { fmt, summarize } from './lib/stats.mjs';

const NODE = fileURLToPath(new URL('./children/worker-node.mjs', import.meta.url));
const NODES = 4;

const CONFIGS = [
  {
    id: 'pg.tuned',
    label: 'Postgres, tuned (200 ms / 1 s), SIGKILL',
    store: 'pg',
    hb: { HB_MS: '200', HB_TIMEOUT_MS: '1000' },
    signal: 'SIGKILL',
    events: q(5, 30),
    goal: 1500,
  },
  {
    id: 'pg.default',
    label: 'Postgres, default (1 s / 5 s), SIGKILL',
    store: 'pg',
    hb: {},
    signal: 'SIGKILL',
    events: q(2, 30),
    goal: 6000,
  },
  {
    id: 'sqlite.tuned',
    label: 'SQLite, tuned (200 ms / 1 s), SIGKILL',
    store: 'sqlite',
    hb: { HB_MS: '200', HB_TIMEOUT_MS: '1000' },
    signal: 'SIGKILL',
    events: q(0, 30),
    goal: 1500,
  },
  {
    id: 'pg.sigterm',
    label: 'Postgres, default heartbeat, SIGTERM handoff',
    store: 'pg',
    hb: {},
    signal: 'SIGTERM',
    events: q(5, 30),
    goal: 250,
  },
];

const report = new Report('takeover', '6. Takeover latency after SIGKILL, handoff after SIGTERM');
const pgDown = await postgresUnavailable();
if (pgDown) report.note(`Postgres configurations skipped: ${pgDown}`);
const { dir, remove } = scratchDir('takeover');

async function measure(config) {
  let db = null;
  let store;
  if (config.store === 'pg') {
    db = await createDatabase('bench_takeover');
    store = db.url;
  } else store = `sqlite:${join(dir, `${config.id}.db`)}`;
  const nodes = new Set();
  let serial = 0;
  const start = async () => {
    const id = `n${serial++}`;
    const child = new Child(NODE, {
      env: { STORE: store, NODE_ID: id, CONCURRENCY: '1', ...config.hb },
      name: `node ${id}`,
    });
    nodes.add(child);
    await child.waitFor((e) => e.event === 'started', 30_000, `${id} started`);
    return child;
  };
  const samples = { work: [], claimed: [], detected: [], claimer: [] };
  const client = new Client({ store });
  try {
    await Promise.all(Array.from({ length: NODES }, start));
    const { jobId } = await client.submit('long', {}, { maxCrashes: 1_000_000, maxAttempts: 1_000_000 });
    const workOf = (attempt) => (e) => e.event === 'work' && e.jobId === jobId && e.attempt > attempt;
    const findWork = (attempt, timeoutMs) =>
      Promise.any(
        [...nodes]
          .filter((n) => n.alive)
          .map((n) => n.waitFor(workOf(attempt), timeoutMs).then((ev) => ({ ev, child: n }))),
      );
    let { ev: work, child: holder } = await findWork(0, 30_000);
    for (let k = 0; k < config.events; k++) {
      await sleep(300 + Math.random() * q(500, 700)); // a random moment of the heartbeat cycle
      const killedAt = holder.kill(config.signal);
      const next = await findWork(work.attempt, 60_000).catch((err) => {
        throw new Error(`no takeover after ${config.signal} #${k + 1}: ${err.errors?.[0]?.message ?? err.message}`);
      });
      const claimed = next.child.events.find(
        (e) => e.event === 'job:claimed' && e.jobId === jobId && e.attempt === next.ev.attempt,
      );
      samples.work.push(next.ev.t - killedAt);
      if (claimed) samples.claimed.push(claimed.t - killedAt);
      samples.claimer.push(next.child.name);
      await holder.exited;
      // Detection (SIGKILL): the first survivor to declare the killed node dead.
      const label = holder.name.slice('node '.length);
      const dead = [...nodes].flatMap((n) =>
        n.events.filter((e) => e.event === 'node:dead' && e.dead === label && e.t >= killedAt),
      );
      if (dead.length > 0) samples.detected.push(Math.min(...dead.map((e) => e.t)) - killedAt);
      nodes.delete(holder);
      ({ ev: work, child: holder } = next);
      await start(); // the replacement
    }
  } finally {
    await client.close().catch(() => {});
    await Promise.all([...nodes].map((n) => n.stop()));
    await db?.drop().catch(() => {});
  }
  return samples;
}

const rows = [];
try {
  for (const config of CONFIGS) {
    if (config.events === 0 || (config.store === 'pg' && pgDown)) continue;
    const s = await measure(config);
    const work = report.figure(`${config.id}.firstWorkMs`, summarize(s.work));
    const claimed = report.figure(`${config.id}.claimedMs`, summarize(s.claimed));
    const detected = report.figure(`${config.id}.detectedMs`, summarize(s.detected));
    report.figure(`${config.id}.claimers`, s.claimer);
    rows.push([
      config.label,
      work.n,
      fmt(work.median),
      fmt(work.p99),
      fmt(work.min),
      fmt(work.max),
      detected.n ? `${fmt(detected.median)} (max ${fmt(detected.max)})` : '–',
      fmt(claimed.median),
      `≤ ${fmt(config.goal)}`,
    ]);
    report.ratio(
      `takeover.${config.id}`,
      `${config.label}: p99 ÷ goal (${fmt(config.goal)} ms)`,
      work.p99 / config.goal,
      { goal: 1, detail: `p99 ${fmt(work.p99)} ms, p50 ${fmt(work.median)} ms` },
    );
  }
} finally {
  remove();
}
report.table(
  'Time from the signal to the first new work on another node, ms',
  [
    'Configuration',
    'Events',
    'p50',
    'p99',
    'min',
    'max',
    'to "node:dead", p50 (max)',
    'p50 to the claim',
    'Goal (p99)',
  ],
  rows,
  'Four worker processes (concurrency 1); one long job; the killed node is replaced by a fresh one each time. "First new work": the task function starting on the new node, after the claim and the checkpoint load. "node:dead": the first survivor that declared the killed node dead (no such event after SIGTERM: the node hands off and stops).',
);
await report.finish();
