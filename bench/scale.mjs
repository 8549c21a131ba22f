/**
 * 7. Scale. A queue grows to 100,000 jobs (quick: 10,000); at each depth the claim latency
 * (Store.claimJobs, one job) and the latency of a 1 KB checkpoint of a running job are
 * sampled. Then, with that queue still waiting (jobs of a task no node serves), 1,000 jobs
 * (quick: 200) run across 4 worker processes, each checkpointing 1 KB every 5 s: their
 * checkpoint latency, the memory each running job costs its process, and the store's size per
 * checkpoint. SQLite and Postgres.
 */
import { randomFillSync, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldNow } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CheckpointManager, Client, ResumableTaskExecutor, openStore, silentLogger } from './lib/baton.mjs';
import { Database, pg, q, scratchDir, sleep } from './lib/env.mjs';
import { createDatabase, postgresUnavailable } from './lib/pg.mjs';
import { Child } from './lib/proc.mjs';
import { Report } from './lib/report.mjs';
import { fmt, summarize } from './lib/stats.mjs';

const NODE = fileURLToPath(new URL('./children/worker-node.mjs', import.meta.url));
const DEPTHS = q([100, 10_000], [100, 1_000, 10_000, 100_000]);
const SAMPLES = q(30, 100);
const RUNNING = q(200, 1_000);
const WORKERS = 4;
const CHECKPOINT_MS = 5_000;
const WINDOW_MS = q(5_000, 20_000);

const report = new Report('scale', '7. Scale: a growing queue, 1,000 running jobs');

/** Part A: fill the queue in stages; at each depth sample claims and checkpoints. */
async function queueGrowth(url, analyze) {
  const store = await openStore(url);
  const client = new Client({ store });
  const node = await store.registerNode({
    id: randomUUID(),
    label: 'bench-claimer',
    host: hostname(),
    pid: process.pid,
    pidStart: null,
    tasks: ['filler'],
  });
  const executor = new ResumableTaskExecutor(
    new CheckpointManager({ store, strategy: 'manual', logger: silentLogger }),
  );
  const out = [];
  try {
    await executor.executeResumable({
      jobId: 'scale-checkpointer',
      taskFunc: async (ctx) => {
        const blob = Buffer.alloc(1024);
        let queued = 0;
        for (const depth of DEPTHS) {
          const t0 = performance.now();
          const toAdd = depth - queued;
          let next = 0;
          await Promise.all(
            Array.from({ length: 64 }, async () => {
              while (next < toAdd) {
                next++;
                await client.submit('filler', null);
                if (next % 1000 === 0) await yieldNow();
              }
            }),
          );
          const submitsPerSec = (toAdd * 1000) / (performance.now() - t0);
          queued = depth;
          const claim = async () => {
            const samples = [];
            for (let i = 0; i < SAMPLES / 2; i++) {
              const c0 = performance.now();
              const got = await store.claimJobs({
                nodeId: node.id,
                nodeLabel: 'bench-claimer',
                tasks: ['filler'],
                limit: 1,
              });
              samples.push(performance.now() - c0);
              if (got.length !== 1) throw new Error(`claim at depth ${depth} returned ${got.length} jobs`);
            }
            queued -= samples.length;
            return samples;
          };
          // Right after the burst of submits, with whatever statistics the table has then; at
          // the deepest queue also (Postgres) once they are fresh, as autovacuum's ANALYZE
          // makes them within about a minute.
          const claims = await claim();
          const analyzed = analyze && depth === DEPTHS.at(-1) ? (await analyze(), await claim()) : null;
          const checkpoints = [];
          for (let i = 0; i < SAMPLES; i++) {
            ctx.setState('blob', randomFillSync(blob));
            const c0 = performance.now();
            await ctx.checkpoint();
            checkpoints.push(performance.now() - c0);
          }
          out.push({ depth, submitsPerSec, claims, analyzed, checkpoints });
        }
      },
    });
  } finally {
    await executor.close();
    await store.stopNode(node.id).catch(() => {});
    await client.close();
    await store.close();
  }
  return out;
}

/** Part B: RUNNING jobs across WORKERS processes, with the queue from part A still waiting. */
async function running(url) {
  const per = Math.ceil(RUNNING / WORKERS);
  const workers = Array.from(
    { length: WORKERS },
    (_, i) =>
      new Child(NODE, {
        env: {
          STORE: url,
          NODE_ID: `w${i}`,
          CONCURRENCY: String(per),
          CHECKPOINT_MS: String(CHECKPOINT_MS),
          NODE_OPTIONS: '--expose-gc',
        },
        name: `worker w${i}`,
      }),
  );
  const client = new Client({ store: url });
  const memory = async () => {
    const asked = performance.timeOrigin + performance.now();
    for (const w of workers) w.proc.kill('SIGUSR2');
    return Promise.all(workers.map((w) => w.waitFor((e) => e.event === 'memory' && e.t >= asked, 10_000, 'memory')));
  };
  try {
    await Promise.all(workers.map((w) => w.waitFor((e) => e.event === 'started', 30_000, 'started')));
    await sleep(500);
    const idle = await memory();
    const t0 = performance.timeOrigin + performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < RUNNING) {
          next++;
          await client.submit('hold', null, { maxAttempts: 1 });
        }
      }),
    );
    const started = () => workers.reduce((a, w) => a + w.events.filter((e) => e.event === 'work').length, 0);
    const deadline = performance.now() + 120_000;
    while (started() < RUNNING && performance.now() < deadline) await sleep(20);
    const allRunningMs =
      Math.max(...workers.flatMap((w) => w.events.filter((e) => e.event === 'work').map((e) => e.t))) - t0;
    await sleep(CHECKPOINT_MS); // every job has checkpointed once: steady state
    const from = performance.timeOrigin + performance.now();
    await sleep(WINDOW_MS);
    const to = performance.timeOrigin + performance.now();
    const busy = await memory();
    const samples = workers.flatMap((w) =>
      w.events.filter((e) => e.event === 'checkpoint' && e.t >= from && e.t < to).map((e) => e.ms),
    );
    const perJob = busy.map((b, i) => ({
      rss: (b.rss - idle[i].rss) / Math.max(1, b.running),
      heap: (b.heapUsed + b.external - idle[i].heapUsed - idle[i].external) / Math.max(1, b.running),
      running: b.running,
    }));
    return { started: started(), allRunningMs, samples, windowMs: to - from, perJob };
  } finally {
    await client.close().catch(() => {});
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** Store bytes of checkpoint data per retained checkpoint, and of events per checkpoint ever taken. */
async function storeBytes(kind, url, file) {
  if (kind === 'sqlite') {
    const db = new Database(file, { readonly: true });
    try {
      const size = (names) =>
        db
          .prepare(`SELECT coalesce(sum(pgsize), 0) AS b FROM dbstat WHERE name IN (${names.map(() => '?').join(',')})`)
          .get(...names).b;
      const count = (sql) => db.prepare(sql).get().n;
      return {
        checkpointBytes: size([
          'baton_checkpoints',
          'baton_chunks',
          'sqlite_autoindex_baton_checkpoints_1',
          'sqlite_autoindex_baton_chunks_1',
        ]),
        eventBytes: size(['baton_events', 'baton_events_job', 'baton_events_type_at', 'baton_events_at']),
        events: count('SELECT count(*) AS n FROM baton_events'),
        retained: count('SELECT count(*) AS n FROM baton_checkpoints'),
        taken: count("SELECT count(*) AS n FROM baton_events WHERE type = 'checkpoint'"),
        fileBytes: statSync(file).size,
      };
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const one = async (sql) => Number((await c.query(sql)).rows[0].n);
    return {
      checkpointBytes: await one(
        "SELECT pg_total_relation_size('baton_checkpoints') + pg_total_relation_size('baton_chunks') AS n",
      ),
      eventBytes: await one("SELECT pg_total_relation_size('baton_events') AS n"),
      events: await one('SELECT count(*) AS n FROM baton_events'),
      retained: await one('SELECT count(*) AS n FROM baton_checkpoints'),
      taken: await one("SELECT count(*) AS n FROM baton_events WHERE type = 'checkpoint'"),
      fileBytes: await one('SELECT pg_database_size(current_database()) AS n'),
    };
  } finally {
    await c.end();
  }
}

async function backend(kind, url, file) {
  const label = kind === 'sqlite' ? 'SQLite' : 'Postgres';
  let analyze = null;
  if (kind === 'postgres') {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    analyze = async () => void (await admin.query('ANALYZE baton_jobs'));
    analyze.close = () => admin.end();
  }
  const growth = await queueGrowth(url, analyze).finally(() => analyze?.close());
  const rows = growth.map((g) => {
    const claim = report.figure(`${kind}.claim.depth${g.depth}`, summarize(g.claims));
    const analyzed = g.analyzed ? report.figure(`${kind}.claimAnalyzed.depth${g.depth}`, summarize(g.analyzed)) : null;
    const cp = report.figure(`${kind}.checkpoint.depth${g.depth}`, summarize(g.checkpoints));
    report.figure(`${kind}.submitsPerSec.depth${g.depth}`, g.submitsPerSec);
    return [
      fmt(g.depth),
      `${fmt(claim.median)} / ${fmt(claim.p99)}`,
      analyzed ? `${fmt(analyzed.median)} / ${fmt(analyzed.p99)}` : '–',
      fmt(cp.median),
      fmt(cp.p99),
      fmt(cp.max),
      fmt(g.submitsPerSec),
    ];
  });
  report.table(
    `${label}: latency as the queue grows (${SAMPLES} samples per depth)`,
    [
      'Queued jobs',
      'claim p50 / p99 ms, right after the submits',
      'claim p50 / p99 ms, after ANALYZE',
      '1 KB checkpoint p50 ms',
      'checkpoint p99',
      'checkpoint max',
      'submits/s to get there',
    ],
    rows,
  );
  const first = report.figures[`${kind}.claim.depth${DEPTHS[0]}`];
  const last = report.figures[`${kind}.claim.depth${DEPTHS.at(-1)}`];
  report.ratio(
    `scale.${kind}.claim`,
    `${label}: claim p50 at ${fmt(DEPTHS.at(-1))} queued ÷ at ${DEPTHS[0]}`,
    last.median / first.median,
    { detail: `${fmt(last.median)} ms vs ${fmt(first.median)} ms` },
  );
  if (kind === 'postgres') {
    const a1 = report.figures[`${kind}.claimAnalyzed.depth${DEPTHS.at(-1)}`];
    report.ratio(
      `scale.${kind}.claimAnalyzed`,
      `${label}: the same, the deepest queue after ANALYZE`,
      a1.median / first.median,
      { detail: `${fmt(a1.median)} ms vs ${fmt(first.median)} ms` },
    );
  }
  const cpFirst = report.figures[`${kind}.checkpoint.depth${DEPTHS[0]}`];
  const cpLast = report.figures[`${kind}.checkpoint.depth${DEPTHS.at(-1)}`];
  report.ratio(
    `scale.${kind}.checkpoint`,
    `${label}: checkpoint p50 at ${fmt(DEPTHS.at(-1))} queued ÷ at ${DEPTHS[0]}`,
    cpLast.median / cpFirst.median,
    { detail: `${fmt(cpLast.median)} ms vs ${fmt(cpFirst.median)} ms` },
  );

  const r = await running(url);
  const cp = report.figure(`${kind}.running.checkpoint`, summarize(r.samples));
  report.figure(
    `${kind}.running.rssPerJobKiB`,
    summarize(
      r.perJob.map((p) => p.rss / 1024),
      'KiB',
    ),
  ); // RSS barely shrinks after a GC: not reported
  const heap = report.figure(
    `${kind}.running.heapPerJobKiB`,
    summarize(
      r.perJob.map((p) => p.heap / 1024),
      'KiB',
    ),
  );
  const bytes = report.figure(`${kind}.store`, await storeBytes(kind, url, file));
  report.figure(`${kind}.running.allRunningMs`, r.allRunningMs);
  report.table(
    `${label}: ${RUNNING} running jobs across ${WORKERS} worker processes, ${fmt(DEPTHS.at(-1) - DEPTHS.length * SAMPLES)} other jobs queued`,
    ['Figure', 'Value'],
    [
      [
        'jobs running (of submitted)',
        `${r.started} of ${RUNNING}, all running ${fmt(r.allRunningMs / 1000)} s after the first submit`,
      ],
      [
        `1 KB checkpoint latency under load (each job every ${CHECKPOINT_MS / 1000} s; ${cp.n} in ${fmt(r.windowMs / 1000)} s)`,
        `p50 ${fmt(cp.median)} ms, p99 ${fmt(cp.p99)} ms, max ${fmt(cp.max)} ms`,
      ],
      ['checkpoints per second, all jobs', fmt((cp.n * 1000) / r.windowMs)],
      [
        'memory per running job: JS heap + external growth ÷ running jobs (after a full GC)',
        `${fmt(heap.median)} KiB (${fmt(heap.min)}–${fmt(heap.max)}, per process)`,
      ],
      [
        'store: checkpoint rows + chunks ÷ retained checkpoints',
        `${fmt(bytes.checkpointBytes / bytes.retained / 1024)} KiB (${fmt(bytes.retained)} retained, 1 KB of state each)`,
      ],
      [
        'store: bytes per event row (each checkpoint adds one, kept until the job is deleted)',
        `${fmt(bytes.eventBytes / bytes.events)} B (${fmt(bytes.events)} events, ${fmt(bytes.taken)} of them checkpoints)`,
      ],
      ['store size at the end', `${fmt(bytes.fileBytes / 2 ** 20)} MiB`],
    ],
  );
  report.ratio(
    `scale.${kind}.running.p99`,
    `${label}: checkpoint p99 with ${RUNNING} running ÷ idle-queue p99`,
    cp.p99 / cpFirst.p99,
    { detail: `${fmt(cp.p99)} ms vs ${fmt(cpFirst.p99)} ms` },
  );
}

{
  const { dir, remove } = scratchDir('scale');
  try {
    const file = join(dir, 'baton.db');
    await backend('sqlite', `sqlite:${file}`, file);
  } finally {
    remove();
  }
}
const pgDown = await postgresUnavailable();
if (pgDown) report.note(`Postgres figures skipped: ${pgDown}`);
else {
  const db = await createDatabase('bench_scale');
  try {
    await backend('postgres', db.url);
  } finally {
    await db.drop();
  }
}
await report.finish();
