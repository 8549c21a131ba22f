/**
 * 2. Durable checkpoint latency for 1 KB, 100 KB and 10 MB of state that is wholly new at
 * every checkpoint (fresh random bytes, so nothing is deduplicated), on SQLite and Postgres,
 * next to the floors measured in the same run and interleaved with the checkpoints: a 1 KB
 * write + fdatasync on the same disk (and a bare SQLite commit, for reference), and a bare
 * single-row INSERT commit on the same Postgres server.
 */
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CheckpointManager, ResumableTaskExecutor, silentLogger } from './lib/baton.mjs';
import { q, scratchDir } from './lib/env.mjs';
import { fsyncFloor, sqliteCommitFloor } from './lib/floors.mjs';
import { createDatabase, insertFloor, postgresUnavailable } from './lib/pg.mjs';
import { Report } from './lib/report.mjs';
import { fmt, ratio, summarize } from './lib/stats.mjs';

const SIZES = [
  { id: '1KB', bytes: 1024, samples: q(100, 1000), warmup: 50 },
  { id: '100KB', bytes: 100 * 1024, samples: q(30, 300), warmup: 20 },
  { id: '10MB', bytes: 10 * 1024 * 1024, samples: q(5, 30), warmup: 3 },
];
const BATCH = 10; // samples per interleaved batch

const report = new Report('latency', '2. Durable checkpoint latency');

/** Checkpoint samples (ms) per size and floor samples per floor, interleaved batch by batch. */
async function measure(storeUrl, floors) {
  const manager = new CheckpointManager({ store: storeUrl, strategy: 'manual', logger: silentLogger });
  const executor = new ResumableTaskExecutor(manager);
  const out = { checkpoints: {}, floors: Object.fromEntries(Object.keys(floors).map((k) => [k, []])) };
  try {
    await executor.executeResumable({
      jobId: 'latency',
      taskFunc: async (ctx) => {
        for (const size of SIZES) {
          const blob = Buffer.alloc(size.bytes);
          const one = async () => {
            randomFillSync(blob);
            ctx.setState('blob', blob);
            const t0 = performance.now();
            await ctx.checkpoint();
            return performance.now() - t0;
          };
          for (let i = 0; i < size.warmup; i++) await one();
          const samples = [];
          while (samples.length < size.samples) {
            for (const [name, floor] of Object.entries(floors))
              for (let i = 0; i < BATCH; i++) out.floors[name].push(await floor.sample());
            for (let i = 0; i < BATCH && samples.length < size.samples; i++) samples.push(await one());
          }
          out.checkpoints[size.id] = samples;
          ctx.setState('blob', null);
          await ctx.checkpoint(); // drop the big value before the next size
        }
      },
    });
  } finally {
    await executor.close();
  }
  return out;
}

/**
 * ctx.step latency by the number of steps the job has completed: one job saves STEPS tiny
 * steps; the latencies of the twenty steps up to each mark are kept.
 */
const STEPS = q(500, 2_000);
const MARKS = q([10, 100, 500], [10, 100, 1_000, 2_000]);
async function stepGrowth(storeUrl) {
  const executor = new ResumableTaskExecutor(
    new CheckpointManager({ store: storeUrl, strategy: 'manual', logger: silentLogger }),
  );
  const at = Object.fromEntries(MARKS.map((m) => [m, []]));
  try {
    await executor.executeResumable({
      jobId: 'steps',
      taskFunc: async (ctx) => {
        for (let i = 1; i <= STEPS; i++) {
          const t0 = performance.now();
          await ctx.step(`s${i}`, () => i);
          const ms = performance.now() - t0;
          for (const m of MARKS) if (i > m - 20 && i <= m) at[m].push(ms);
        }
      },
    });
  } finally {
    await executor.close();
  }
  return at;
}

function stepRows(backend, at) {
  return MARKS.map((m) => {
    const s = report.figure(`${backend}.step.at${m}`, summarize(at[m]));
    return [
      `tiny ctx.step: the job's steps ${Math.max(1, m - 19)} to ${m}`,
      fmt(s.median),
      fmt(s.p99),
      fmt(s.min),
      fmt(s.max),
      s.n,
    ];
  });
}

function tabulate(backend, m, floorNames) {
  const rows = [];
  for (const size of SIZES) {
    const s = report.figure(`${backend}.checkpoint.${size.id}`, summarize(m.checkpoints[size.id]));
    rows.push([`checkpoint, ${size.id} state`, fmt(s.median), fmt(s.p99), fmt(s.min), fmt(s.max), s.n]);
  }
  for (const size of SIZES) {
    const samples = m.checkpoints[`${size.id} in memory`];
    if (!samples) continue;
    const s = report.figure(`${backend}.memoryStore.${size.id}`, summarize(samples));
    rows.push([
      `checkpoint, ${size.id} state, \`memory:\` store (no disk)`,
      fmt(s.median),
      fmt(s.p99),
      fmt(s.min),
      fmt(s.max),
      s.n,
    ]);
  }
  for (const [name, label] of floorNames) {
    const s = report.figure(`${backend}.floor.${name}`, summarize(m.floors[name]));
    rows.push([`floor: ${label}`, fmt(s.median), fmt(s.p99), fmt(s.min), fmt(s.max), s.n]);
  }
  return rows;
}

const COLUMNS = ['Operation', 'p50 ms', 'p99 ms', 'min ms', 'max ms', 'n'];

// SQLite, next to fdatasync on the same disk.
{
  const { dir, remove } = scratchDir('latency');
  const floors = { fsync: fsyncFloor(dir), sqliteCommit: sqliteCommitFloor(dir) };
  try {
    const m = await measure(`sqlite:${dir}/baton.db`, floors);
    // The same checkpoints on `memory:` (SQLite in memory, no disk): Baton's own CPU cost.
    const mem = await measure('memory:', {});
    for (const size of SIZES) m.checkpoints[`${size.id} in memory`] = mem.checkpoints[size.id];
    const steps = stepRows('sqlite', await stepGrowth(`sqlite:${dir}/steps.db`));
    report.table('SQLite (WAL, synchronous=FULL)', COLUMNS, [
      ...tabulate('sqlite', m, [
        ['fsync', '1 KB write + fdatasync, same disk'],
        ['sqliteCommit', 'bare SQLite INSERT commit, 1 KB'],
      ]),
      ...steps,
    ]);
  } finally {
    for (const f of Object.values(floors)) f.close();
    remove();
  }
  const cp = report.figures['sqlite.checkpoint.1KB'];
  report.ratio(
    'latency.sqlite.1KB',
    'SQLite 1 KB checkpoint p50 ÷ write+fdatasync p50',
    ratio(cp.median, report.figures['sqlite.floor.fsync'].median),
    { goal: 1.5 },
  );
  report.ratio(
    'latency.sqlite.1KB.commit',
    'SQLite 1 KB checkpoint p50 ÷ bare SQLite commit p50',
    ratio(cp.median, report.figures['sqlite.floor.sqliteCommit'].median),
  );
}

// Postgres, next to a bare INSERT commit on the same server.
const pgDown = await postgresUnavailable();
if (pgDown) report.note(`Postgres figures skipped: ${pgDown}`);
else {
  const db = await createDatabase('bench_latency');
  const floor = await insertFloor(db.url);
  try {
    const m = await measure(db.url, { insert: floor });
    const steps = stepRows('postgres', await stepGrowth(db.url));
    report.table('Postgres (same server as every peer)', COLUMNS, [
      ...tabulate('postgres', m, [['insert', 'bare single-row INSERT commit (1 KB bytea)']]),
      ...steps,
    ]);
  } finally {
    await floor.close();
    await db.drop();
  }
  const cp = report.figures['postgres.checkpoint.1KB'];
  report.ratio(
    'latency.postgres.1KB',
    'Postgres 1 KB checkpoint p50 ÷ bare INSERT commit p50',
    ratio(cp.median, report.figures['postgres.floor.insert'].median),
    { goal: 1.5 },
  );
  report.ratio(
    'latency.postgres.1KB.p99',
    'Postgres 1 KB checkpoint p99 ÷ bare INSERT commit p99',
    ratio(cp.p99, report.figures['postgres.floor.insert'].p99),
  );
}
for (const backend of ['sqlite', 'postgres']) {
  const first = report.figures[`${backend}.step.at100`]; // the first steps still run cold code
  const last = report.figures[`${backend}.step.at${MARKS.at(-1)}`];
  if (first && last) {
    report.ratio(
      `latency.${backend}.stepGrowth`,
      `${backend === 'sqlite' ? 'SQLite' : 'Postgres'}: ctx.step p50 at step ${MARKS.at(-1)} ÷ at step 100`,
      ratio(last.median, first.median),
      {
        detail: `${fmt(last.median)} ms vs ${fmt(first.median)} ms`,
      },
    );
  }
}
for (const size of SIZES.slice(1)) {
  const s = report.figures[`sqlite.checkpoint.${size.id}`];
  const p = report.figures[`postgres.checkpoint.${size.id}`];
  report.note(
    `${size.id}: SQLite ${fmt(s?.median)} ms (${fmt(size.bytes / 2 ** 20 / (s?.median / 1000))} MiB/s), Postgres ${fmt(p?.median)} ms (${fmt(size.bytes / 2 ** 20 / (p?.median / 1000))} MiB/s) at p50.`,
  );
}
await report.finish();
