/**
 * 4. Throughput at concurrency 1, 8 and 64: no-op jobs per second end to end (submit →
 * completed) and durably recorded tiny steps per second, for Baton on SQLite and Postgres and
 * for its peers against the same Postgres server (graphile-worker, pg-boss, DBOS Transact)
 * and the machine's Redis (BullMQ, persistence as its production guide recommends). Every
 * run is a fresh process on a fresh database; the systems take turns within each repeat so
 * the machine's drift hits them alike. Reported: Baton ÷ peer.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK, REDIS_URL, q, scratchDir } from './lib/env.mjs';
import { createDatabase, postgresUnavailable } from './lib/pg.mjs';
import { runChild } from './lib/proc.mjs';
import { redisUnavailable, withRecommendedPersistence } from './lib/redis.mjs';
import { Report } from './lib/report.mjs';
import { fmt, fmtRatio, ratio, summarize } from './lib/stats.mjs';

const script = (name) => fileURLToPath(new URL(`./throughput/${name}.mjs`, import.meta.url));
const CONCURRENCY = q([1, 64], [1, 8, 64]);
const REPEATS = q(1, 3);
const JOBS = q(400, 1000);
const CAP_MS = q(1_500, 3_000);
const STEPS_MS = q(800, 2_000);

/** Every system: where it stores, which child runs it, and what it is compared as. */
const SYSTEMS = [
  { id: 'baton-sqlite', label: 'Baton, SQLite', script: 'baton', store: 'sqlite', steps: true, quick: true },
  { id: 'baton-pg', label: 'Baton, Postgres', script: 'baton', store: 'pg', steps: true, quick: true },
  { id: 'graphile', label: 'graphile-worker', script: 'graphile-worker', store: 'pg', peer: 'pg', quick: true },
  {
    id: 'graphile-batched',
    label: 'graphile-worker, local queue + batched completions',
    script: 'graphile-worker',
    store: 'pg',
    variant: 'batched',
    peer: 'pg',
  },
  {
    id: 'pgboss',
    label: 'pg-boss (poll 0.5 s, batchSize = C)',
    script: 'pg-boss',
    store: 'pg',
    peer: 'pg',
    warmup: (c) => c,
  },
  {
    id: 'pgboss-tuned',
    label: 'pg-boss, re-poll at once (notifyWorker)',
    script: 'pg-boss',
    store: 'pg',
    variant: 'tuned',
    peer: 'pg',
    quick: true,
  },
  {
    id: 'dbos',
    label: 'DBOS, workflows started directly',
    script: 'dbos',
    store: 'pg',
    variant: 'direct',
    peer: 'pg',
    steps: true,
    quick: true,
  },
  {
    id: 'dbos-queue',
    label: 'DBOS, workflows on a queue (workerConcurrency = C)',
    script: 'dbos',
    store: 'pg',
    peer: 'pg',
    warmup: () => 2,
  },
  {
    id: 'bullmq',
    label: 'BullMQ (Redis AOF, fsync every second)',
    script: 'bullmq',
    store: 'redis',
    peer: 'redis',
    steps: true,
    quick: true,
  },
];

const report = new Report('throughput', '4. Throughput: jobs/s (submit → completed) and durable steps/s');
const pgDown = await postgresUnavailable();
const redisDown = redisUnavailable();
if (pgDown) report.note(`Postgres systems skipped: ${pgDown}`);
if (redisDown) report.note(`BullMQ skipped: ${redisDown}`);
// The quick set leaves out the peers' alternative configurations.
const available = SYSTEMS.filter(
  (s) => (s.quick || !QUICK) && !(s.store === 'pg' && pgDown) && !(s.store === 'redis' && redisDown),
);

const { dir, remove } = scratchDir('throughput');
let runNo = 0;
/** One run of one system in a fresh child on a fresh database. */
async function once(system, mode, c) {
  const n = runNo++;
  let url;
  let db = null;
  if (system.store === 'sqlite') url = `sqlite:${join(dir, `run-${n}.db`)}`;
  else if (system.store === 'pg') {
    db = await createDatabase(`bench_tp_${system.id.replace(/-/g, '_')}`);
    url = db.url;
  }
  const env = {
    URL: url ?? '',
    MODE: mode,
    CONCURRENCY: String(c),
    JOBS: String(JOBS),
    CAP_MS: String(CAP_MS),
    STEPS_MS: String(STEPS_MS),
    VARIANT: system.variant ?? 'default',
    WARMUP: String(system.warmup ? system.warmup(c) : 50),
    REDIS_URL,
    PREFIX: `baton-bench-${randomBytes(4).toString('hex')}`,
    NODE_NO_WARNINGS: '1',
  };
  try {
    return await runChild(script(system.script), { env, name: `${system.id} c=${c} ${mode}` }, 120_000);
  } catch (err) {
    return { error: err.message.slice(0, 300) };
  } finally {
    await db?.drop().catch(() => {});
  }
}

const samples = {}; // `${mode}.${system}.${c}` → [perSec]
const errors = [];
async function round(systems, r) {
  for (const mode of ['jobs', 'steps']) {
    for (const c of CONCURRENCY) {
      const turn = mode === 'steps' ? systems.filter((s) => s.steps) : systems;
      const order = r % 2 === 0 ? turn : [...turn].reverse();
      for (const s of order) {
        const res = await once(s, mode, c);
        const key = `${mode}.${s.id}.${c}`;
        (samples[key] ??= []).push(res.perSec ?? NaN);
        if (res.error) errors.push(`${s.label}, ${mode}, c=${c}: ${res.error}`);
        if (res.capped) (samples[`${key}.capped`] ??= []).push(true);
      }
    }
  }
}

try {
  const pgAndSqlite = available.filter((s) => s.store !== 'redis');
  const redis = available.filter((s) => s.store === 'redis');
  for (let r = 0; r < REPEATS; r++) await round(pgAndSqlite, r);
  if (redis.length > 0) {
    await withRecommendedPersistence(async (persistence) => {
      report.figure('redisPersistence', persistence);
      for (let r = 0; r < REPEATS; r++) await round(redis, r);
    });
  }
} finally {
  remove();
}

// Tables: one row per system, one column per concurrency; then Baton ÷ peer.
for (const mode of ['jobs', 'steps']) {
  const systems = mode === 'steps' ? available.filter((s) => s.steps) : available;
  const rows = systems.map((s) => [
    s.label,
    ...CONCURRENCY.map((c) => {
      const key = `${mode}.${s.id}.${c}`;
      const sum = report.figure(key, summarize(samples[key] ?? [], `${mode}/s`));
      const capped = samples[`${key}.capped`] ? ' (capped)' : '';
      return sum.n > 1
        ? `${fmt(sum.median)} (${fmt(sum.min)}–${fmt(sum.max)})${capped}`
        : `${fmt(sum.median)}${capped}`;
    }),
  ]);
  report.table(
    mode === 'jobs'
      ? `No-op jobs per second, submit → completed (${JOBS} jobs, ${REPEATS} repeat(s), median (min–max))`
      : `Durably recorded tiny steps per second (${STEPS_MS} ms per run, ${REPEATS} repeat(s))`,
    ['System', ...CONCURRENCY.map((c) => `c = ${c}`)],
    rows,
    mode === 'jobs'
      ? `Each run submits ${JOBS} jobs (at most 64 submits in flight) into a running worker of concurrency c in the same process; "(capped)": fewer than all completed within ${CAP_MS} ms, the rate is completions ÷ ${CAP_MS} ms.`
      : 'c jobs (workflows) run at once, each saving tiny steps one after the other until the deadline: Baton `ctx.step`, DBOS `DBOS.runStep`, BullMQ `job.updateData`.',
  );
}

const med = (key) => report.figures[key]?.median;
const peers = available.filter((s) => s.peer);
for (const mode of ['jobs', 'steps']) {
  const rows = [];
  for (const p of peers.filter((s) => mode === 'jobs' || s.steps)) {
    rows.push([
      p.label,
      ...CONCURRENCY.flatMap((c) => {
        const peer = med(`${mode}.${p.id}.${c}`);
        return [
          fmtRatio(ratio(med(`${mode}.baton-pg.${c}`), peer)),
          fmtRatio(ratio(med(`${mode}.baton-sqlite.${c}`), peer)),
        ];
      }),
    ]);
  }
  report.table(
    `Baton ÷ peer, ${mode === 'jobs' ? 'jobs/s' : 'steps/s'} (medians; above 1: Baton is faster)`,
    ['Peer', ...CONCURRENCY.flatMap((c) => [`Baton PG, c = ${c}`, `Baton SQLite, c = ${c}`])],
    rows,
  );
}
for (const c of CONCURRENCY) {
  const pgPeers = peers.filter((p) => p.peer === 'pg');
  const best = pgPeers
    .map((p) => ({ p, v: med(`jobs.${p.id}.${c}`) }))
    .filter((x) => Number.isFinite(x.v))
    .sort((a, b) => b.v - a.v)[0];
  if (best)
    report.ratio(
      `throughput.jobs.c${c}`,
      `Jobs/s at c = ${c}: Baton (Postgres) ÷ best Postgres peer`,
      ratio(med(`jobs.baton-pg.${c}`), best.v),
      { goal: 1, higherIsBetter: true, detail: best.p.label },
    );
  const dbos = med(`steps.dbos.${c}`);
  if (Number.isFinite(dbos))
    report.ratio(
      `throughput.steps.c${c}`,
      `Steps/s at c = ${c}: Baton (Postgres) ÷ DBOS`,
      ratio(med(`steps.baton-pg.${c}`), dbos),
      { goal: 1, higherIsBetter: true },
    );
}
for (const e of errors) report.note(`Failed run: ${e}`);
await report.finish();
