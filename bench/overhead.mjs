/**
 * 1. Checkpoint overhead per strategy. A job of about 30 s (quick: 5 s) of mixed CPU and I/O
 * work holding 10 KB of state that changes at every unit runs once per strategy per round, in
 * fresh processes on fresh SQLite stores, in interleaved order (ABBA across rounds, so drift
 * on this shared machine hits every strategy alike). Reported: wall time ÷ the NONE run of the
 * same round, the time blocked in checkpoint code (ctx.stats.blockedMs) ÷ wall time, and the
 * cost of the not-yet path of ctx.checkpointIfNeeded() in ns per call.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK, q, scratchDir } from './lib/env.mjs';
import { runChild } from './lib/proc.mjs';
import { Report } from './lib/report.mjs';
import { fmt, fmtRatio, pairedRatios, spread, summarize } from './lib/stats.mjs';

const JOB = fileURLToPath(new URL('./children/overhead-job.mjs', import.meta.url));
const TARGET_MS = q(5_000, 30_000);
const ROUNDS = q(2, 3);
const STRATEGIES = [
  { id: 'none', label: 'NONE', env: { STRATEGY: 'none' } },
  { id: 'automatic', label: 'AUTOMATIC (default)', env: { STRATEGY: 'automatic' } },
  { id: 'time', label: 'TIME_BASED, 1 s', env: { STRATEGY: 'time', INTERVAL_MS: '1000' } },
  { id: 'progress', label: 'PROGRESS_BASED (0.25/0.5/0.75)', env: { STRATEGY: 'progress' }, full: true },
].filter((s) => !QUICK || !s.full); // the quick set leaves PROGRESS_BASED out

const report = new Report('overhead', '1. Checkpoint overhead per strategy');
const { dir, remove } = scratchDir('overhead');
let seq = 0;
const run = (env) => {
  const n = seq++;
  return runChild(JOB, {
    env: { STORE: `sqlite:${join(dir, `run-${n}.db`)}`, SCRATCH: join(dir, `scratch-${n}.bin`), ...env },
  });
};

try {
  // Calibrate the unit count so that the NONE run lasts about TARGET_MS.
  const probeUnits = q(1500, 3000);
  const probe = await run({ STRATEGY: 'none', UNITS: String(probeUnits) });
  const units = Math.max(1000, Math.round((probeUnits * TARGET_MS) / probe.wallMs));
  report.figure('units', units);

  const runs = Object.fromEntries(STRATEGIES.map((s) => [s.id, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? STRATEGIES : [...STRATEGIES].reverse();
    for (const s of order) runs[s.id].push(await run({ ...s.env, UNITS: String(units) }));
  }

  const none = runs.none.map((x) => x.wallMs);
  const rows = [];
  for (const s of STRATEGIES) {
    const wall = summarize(runs[s.id].map((x) => x.wallMs));
    const blockedFrac = summarize(
      runs[s.id].map((x) => x.blockedMs / x.wallMs),
      '',
    );
    const ratio = pairedRatios(
      runs[s.id].map((x) => x.wallMs),
      none,
    );
    const cpuRatio = pairedRatios(
      runs[s.id].map((x) => x.cpuMs),
      runs.none.map((x) => x.cpuMs),
    );
    report.figure(`${s.id}.cpuRatioVsNone`, cpuRatio);
    const checkpoints = summarize(
      runs[s.id].map((x) => x.checkpoints),
      '',
    );
    const perCheckpoint = summarize(
      runs[s.id].filter((x) => x.checkpoints > 0).map((x) => x.blockedMs / x.checkpoints),
    );
    report.figure(`${s.id}.wallMs`, wall);
    report.figure(`${s.id}.ratioVsNone`, ratio);
    report.figure(`${s.id}.blockedFraction`, blockedFrac);
    report.figure(`${s.id}.checkpoints`, checkpoints);
    report.figure(`${s.id}.blockedMsPerCheckpoint`, perCheckpoint);
    rows.push([
      s.label,
      spread(wall),
      s.id === 'none' ? '1 (reference)' : `${fmtRatio(ratio.median)} (${fmt(ratio.min, 4)}–${fmt(ratio.max, 4)})`,
      s.id === 'none'
        ? '1 (reference)'
        : `${fmtRatio(cpuRatio.median)} (${fmt(cpuRatio.min, 4)}–${fmt(cpuRatio.max, 4)})`,
      `${fmt(blockedFrac.median * 100, 2)} %`,
      fmt(checkpoints.median),
      perCheckpoint.n ? fmt(perCheckpoint.median) : '–',
    ]);
  }
  report.table(
    `Job of ${units} units (${fmt(TARGET_MS / 1000)} s target), ${ROUNDS} interleaved rounds, SQLite store`,
    [
      'Strategy',
      'Wall time, ms (median (p99, min–max))',
      'Wall ÷ NONE, median (min–max)',
      'CPU time ÷ NONE',
      'Blocked in checkpoint code ÷ wall',
      'Checkpoints',
      'Blocked ms per checkpoint',
    ],
    rows,
  );
  const auto = report.figures['automatic.ratioVsNone'];
  const autoBlocked = report.figures['automatic.blockedFraction'];
  report.ratio('overhead.automatic.wall', 'Default strategy (AUTOMATIC): wall ÷ NONE', auto.median, { goal: 1.005 });
  report.ratio('overhead.automatic.blocked', 'Default strategy: 1 + blocked ÷ wall', 1 + autoBlocked.median, {
    goal: 1.005,
  });
  report.ratio(
    'overhead.automatic.cpu',
    'Default strategy: CPU time ÷ NONE',
    report.figures['automatic.cpuRatioVsNone'].median,
  );

  // The not-yet path, three repeats in fresh processes.
  const ny = [];
  for (let i = 0; i < 3; i++)
    ny.push(
      await runChild(JOB, {
        args: [],
        env: {
          MODE: 'notyet',
          STORE: `sqlite:${join(dir, `notyet-${i}.db`)}`,
          CALLS: String(q(2_000_000, 5_000_000)),
          NODE_OPTIONS: '--expose-gc',
        },
      }),
    );
  const row = (label, id, ns, gcs) => [
    label,
    spread(report.figure(`notYet.${id}Ns`, summarize(ny.map(ns), 'ns'))),
    gcs ? fmt(report.figure(`notYet.${id}GcsPerMillion`, summarize(ny.map(gcs), '')).median) : '–',
  ];
  report.table(
    `Not-yet path of checkpointIfNeeded() (${fmt(ny[0].calls)} calls per loop, 3 processes)`,
    ['Call', 'ns per call', 'Minor GCs per million calls'],
    [
      row(
        'ctx.checkpointIfNeeded(), not awaited',
        'sync',
        (x) => x.syncNs,
        (x) => x.syncGcsPerMillion,
      ),
      row(
        'empty function returning a settled promise',
        'baselineSync',
        (x) => x.baselineSyncNs,
        (x) => x.baselineGcsPerMillion,
      ),
      row(
        'performance.now() alone',
        'clock',
        (x) => x.clockNs,
        (x) => x.clockGcsPerMillion,
      ),
      row('await ctx.checkpointIfNeeded()', 'awaited', (x) => x.awaitedNs),
      row('await of that empty function', 'baselineAwaited', (x) => x.baselineAwaitedNs),
    ],
    'A path that allocates nothing causes no minor GC however often it runs.',
  );
  if (ny.some((x) => x.checkpointsDuringLoop > 0))
    report.note('A checkpoint fell due during a not-yet loop: that sample includes one checkpoint.');
} finally {
  remove();
}
await report.finish();
