/**
 * 3. Incremental checkpoints. A job holds 100 MB of intermediate results (random bytes, so no
 * chunk repeats) and 1 KB of state that changes between checkpoints. Reported per checkpoint:
 * bytes written (deltas of ctx.stats.bytesWritten) and time, on SQLite and Postgres; also the
 * first (full) checkpoint, a checkpoint after the big value was only read (getIntermediateResult
 * marks it for re-encoding), and one after a single byte of it changed.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CheckpointManager, ResumableTaskExecutor, silentLogger } from './lib/baton.mjs';
import { q, scratchDir } from './lib/env.mjs';
import { processWriteBytes, walReader } from './lib/io.mjs';
import { createDatabase, postgresUnavailable } from './lib/pg.mjs';
import { Report } from './lib/report.mjs';
import { fmt, summarize } from './lib/stats.mjs';

const BIG = 100 * 1024 * 1024;
const SMALL_CHANGES = q(10, 50);
const TOUCHES = q(3, 10);

const report = new Report('incremental', '3. Incremental checkpoints: 100 MB of results + 1 KB that changes');

/** `physical()` → bytes that reached storage so far (this process's writes, or the server's WAL). */
async function measure(storeUrl, physical) {
  const manager = new CheckpointManager({ store: storeUrl, strategy: 'manual', logger: silentLogger });
  const executor = new ResumableTaskExecutor(manager);
  const cases = { first: [], small: [], readBig: [], byteOfBig: [] };
  const big = randomBytes(BIG);
  try {
    await executor.executeResumable({
      jobId: 'incremental',
      taskFunc: async (ctx) => {
        const small = Buffer.alloc(1024);
        const checkpoint = async (kind) => {
          const bytes0 = ctx.stats.bytesWritten;
          const disk0 = await physical();
          const t0 = performance.now();
          await ctx.checkpoint();
          const ms = performance.now() - t0;
          cases[kind].push({ ms, bytes: ctx.stats.bytesWritten - bytes0, disk: (await physical()) - disk0 });
        };
        ctx.setIntermediateResult('embeddings', big);
        ctx.setState('small', randomFillSync(small));
        await checkpoint('first');
        for (let i = 0; i < SMALL_CHANGES; i++) {
          ctx.setState('small', randomFillSync(small));
          await checkpoint('small');
        }
        for (let i = 0; i < TOUCHES; i++) {
          ctx.getIntermediateResult('embeddings'); // read only: the value is re-encoded and hashed, not rewritten
          ctx.setState('small', randomFillSync(small));
          await checkpoint('readBig');
        }
        for (let i = 0; i < TOUCHES; i++) {
          big[Math.floor(Math.random() * BIG)] ^= 0xff;
          ctx.setIntermediateResult('embeddings', big);
          ctx.setState('small', randomFillSync(small));
          await checkpoint('byteOfBig');
        }
      },
    });
  } finally {
    await executor.close();
  }
  return cases;
}

const LABELS = {
  first: 'first checkpoint (all 100 MB new)',
  small: '1 KB state changed, big value untouched',
  readBig: '1 KB changed, big value read (getIntermediateResult)',
  byteOfBig: '1 KB changed, one byte of the big value changed',
};

function tabulate(backend, cases) {
  return Object.entries(LABELS).map(([kind, label]) => {
    const ms = report.figure(`${backend}.${kind}.ms`, summarize(cases[kind].map((c) => c.ms)));
    const kb = report.figure(
      `${backend}.${kind}.kbWritten`,
      summarize(
        cases[kind].map((c) => c.bytes / 1024),
        'KiB',
      ),
    );
    const disk = report.figure(
      `${backend}.${kind}.kbPhysical`,
      summarize(
        cases[kind].map((c) => c.disk / 1024),
        'KiB',
      ),
    );
    return [
      label,
      fmt(kb.median),
      fmt(kb.max),
      fmt(disk.median),
      fmt(ms.median),
      fmt(ms.p99),
      fmt(ms.min),
      fmt(ms.max),
      ms.n,
    ];
  });
}
const COLUMNS = [
  'Checkpoint',
  'KiB written, ctx.stats (p50)',
  '(max)',
  'KiB reaching storage (p50)',
  'ms p50',
  'ms p99',
  'ms min',
  'ms max',
  'n',
];

{
  const { dir, remove } = scratchDir('incremental');
  try {
    const cases = await measure(`sqlite:${dir}/baton.db`, processWriteBytes);
    report.table(
      "SQLite (storage bytes: this process's write_bytes, WAL included)",
      COLUMNS,
      tabulate('sqlite', cases),
    );
  } finally {
    remove();
  }
}
const pgDown = await postgresUnavailable();
if (pgDown) report.note(`Postgres figures skipped: ${pgDown}`);
else {
  const db = await createDatabase('bench_incremental');
  const wal = await walReader(db.url);
  try {
    const cases = await measure(db.url, () => wal.position());
    report.table('Postgres (storage bytes: server WAL generated, server-wide)', COLUMNS, tabulate('postgres', cases));
  } finally {
    await wal.close();
    await db.drop();
  }
}
for (const backend of ['sqlite', 'postgres']) {
  const kb = report.figures[`${backend}.small.kbWritten`];
  const ms = report.figures[`${backend}.small.ms`];
  if (!kb) continue;
  const name = backend === 'sqlite' ? 'SQLite' : 'Postgres';
  report.ratio(`incremental.${backend}.kb`, `${name}: written per incremental checkpoint (max, ctx.stats)`, kb.max, {
    goal: 64,
    unit: 'KiB',
  });
  report.ratio(
    `incremental.${backend}.disk`,
    `${name}: reaching storage per incremental checkpoint (p50)`,
    report.figures[`${backend}.small.kbPhysical`].median,
    { goal: 64, unit: 'KiB' },
  );
  report.ratio(`incremental.${backend}.ms`, `${name}: incremental checkpoint time (p50)`, ms.median, {
    goal: 20,
    unit: 'ms',
  });
}
await report.finish();
