/**
 * 5. Recovery, the original system's table. A job of 20 s (quick: 6 s) is SIGKILLed at 25, 50,
 * 75 and 90 % of its work and started again at once (a real process, a real signal, SQLite):
 * time from the kill to completion, and total time, with checkpoints (the default AUTOMATIC
 * strategy, and TIME_BASED every second) versus a restart from zero (strategy NONE). The job
 * mostly waits (5 ms CPU per 100 ms unit), so the scenarios of one repeat run side by side
 * without competing for the two cores.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { q, scratchDir } from './lib/env.mjs';
import { Child } from './lib/proc.mjs';
import { Report } from './lib/report.mjs';
import { fmt, fmtRatio, ratio, summarize } from './lib/stats.mjs';

const JOB = fileURLToPath(new URL('./children/recovery-job.mjs', import.meta.url));
const UNITS = q(60, 200); // 100 ms each
const REPEATS = q(1, 3);
const FRACTIONS = [0.25, 0.5, 0.75, 0.9];
const CLAIMED = { 0.25: 1.3, 0.5: 2, 0.75: 4, 0.9: 10 };
const MODES = [
  { id: 'automatic', label: 'checkpoints, AUTOMATIC (default)', env: { STRATEGY: 'automatic' } },
  { id: 'time1s', label: 'checkpoints, TIME_BASED 1 s', env: { STRATEGY: 'time', INTERVAL_MS: '1000' } },
  { id: 'none', label: 'restart from zero (NONE)', env: { STRATEGY: 'none' } },
];

const report = new Report('recovery', '5. Recovery after SIGKILL: checkpoints versus restart from zero');
const { dir, remove } = scratchDir('recovery');
let n = 0;

/** One scenario: run, kill at `fraction` of the units (never when null), run again to the end. */
async function scenario(mode, fraction) {
  const store = `sqlite:${join(dir, `s-${n++}.db`)}`;
  const env = { STORE: store, UNITS: String(UNITS), ...mode.env };
  const first = new Child(JOB, { env, name: `recovery ${mode.id} ${fraction}` });
  const timeout = UNITS * 100 * 4 + 30_000;
  if (fraction === null) {
    const done = await first.waitFor((e) => e.event === 'result', timeout, 'the result');
    return { totalMs: done.t - first.startedAt };
  }
  const target = Math.ceil(fraction * UNITS);
  await first.waitFor((e) => e.event === 'unit' && e.i >= target, timeout, `unit ${target}`);
  const killedAt = first.kill('SIGKILL');
  await first.exited;
  const second = new Child(JOB, { env, name: `recovery ${mode.id} ${fraction} (restart)` });
  const start = await second.waitFor((e) => e.event === 'start', timeout, 'the restart');
  const done = await second.waitFor((e) => e.event === 'result', timeout, 'the result');
  await second.exited;
  return {
    afterKillMs: done.t - killedAt,
    totalMs: done.t - first.startedAt,
    resumedFrom: start.from / UNITS,
    lostUnits: target - start.from,
  };
}

const results = {}; // `${mode}.${fraction}` → [scenario results]
try {
  for (let r = 0; r < REPEATS; r++) {
    const jobs = [];
    for (const mode of MODES) {
      for (const f of [...FRACTIONS, null]) {
        if (f === null && mode.id !== 'none') continue; // one uninterrupted reference run per repeat
        jobs.push(scenario(mode, f).then((res) => (results[`${mode.id}.${f ?? 'uninterrupted'}`] ??= []).push(res)));
      }
    }
    await Promise.all(jobs);
  }
} finally {
  remove();
}

const reference = report.figure(
  'uninterrupted.totalMs',
  summarize(results['none.uninterrupted'].map((x) => x.totalMs)),
);
const rows = [];
for (const f of FRACTIONS) {
  const s = (mode, field) =>
    report.figure(`${mode}.${f}.${field}`, summarize(results[`${mode}.${f}`].map((x) => x[field])));
  const after = Object.fromEntries(MODES.map((m) => [m.id, s(m.id, 'afterKillMs')]));
  const total = Object.fromEntries(MODES.map((m) => [m.id, s(m.id, 'totalMs')]));
  const resumed = s('automatic', 'resumedFrom');
  const resumed1s = s('time1s', 'resumedFrom');
  const rAuto = ratio(after.none.median, after.automatic.median);
  const r1s = ratio(after.none.median, after.time1s.median);
  report.figure(`ratio.automatic.${f}`, rAuto);
  report.figure(`ratio.time1s.${f}`, r1s);
  rows.push([
    `${f * 100} %`,
    `${fmt(after.automatic.median / 1000)} s / ${fmt(total.automatic.median / 1000)} s (from ${fmt(resumed.median * 100)} %)`,
    `${fmt(after.time1s.median / 1000)} s / ${fmt(total.time1s.median / 1000)} s (from ${fmt(resumed1s.median * 100)} %)`,
    `${fmt(after.none.median / 1000)} s / ${fmt(total.none.median / 1000)} s`,
    fmtRatio(rAuto),
    fmtRatio(r1s),
    fmtRatio(1 / (1 - f)),
    `${CLAIMED[f]}×`,
  ]);
  report.ratio(
    `recovery.${f}`,
    `After-kill time, restart from zero ÷ AUTOMATIC checkpoints, kill at ${f * 100} %`,
    rAuto,
    { detail: `ideal ${fmtRatio(1 / (1 - f))}, original claims ${CLAIMED[f]}×` },
  );
}
report.table(
  `A ${fmt((UNITS * 100) / 1000)} s job (uninterrupted: ${fmt(reference.median / 1000)} s), SIGKILLed at a fraction of its work and restarted at once; medians of ${REPEATS} repeat(s)`,
  [
    'Killed at',
    'AUTOMATIC: after kill / total',
    'TIME_BASED 1 s: after kill / total',
    'NONE: after kill / total',
    'NONE ÷ AUTOMATIC (after kill)',
    'NONE ÷ TIME 1 s',
    'Ideal 1 ÷ (1 − f)',
    'Original claims',
  ],
  rows,
  '"after kill": from the SIGKILL to the completion of the restarted run (process start, store open, resume and the remaining work); "from": where the restarted run resumed.',
);
await report.finish();
