/**
 * The chaos schedule: at seeded random moments, one action from a shuffled deck (so even a
 * short run meets every kind): SIGKILL a node, start a node armed with a crash point
 * (BATON_CRASH_AT), pause a node past the heartbeat timeout then resume it (a zombie), SIGTERM a
 * node (handoff), and restart the database or hold its write lock. Targets are running nodes,
 * preferably ones holding jobs, and at least one node is always left running.
 */
import type { ChaosStore } from './chaos-store.js';
import type { ChaosNode, NodePool } from './nodes.js';
import type { Rng } from './prng.js';

export type ActionKind = 'kill' | 'crash-point' | 'zombie' | 'term' | 'db';
const DECK: readonly ActionKind[] = ['kill', 'kill', 'crash-point', 'zombie', 'term', 'db'];

export const CRASH_POINTS = ['mid-checkpoint', 'after-checkpoint-commit', 'before-complete'] as const;

export interface ChaosCounts {
  kills: number;
  crashPointsArmed: Record<string, number>;
  zombies: number;
  terms: number;
  dbRestarts: number;
  lockHolds: number;
  replacements: number;
  skipped: number;
}

export function emptyCounts(): ChaosCounts {
  return {
    kills: 0,
    crashPointsArmed: {},
    zombies: 0,
    terms: 0,
    dbRestarts: 0,
    lockHolds: 0,
    replacements: 0,
    skipped: 0,
  };
}

export interface ScheduleContext {
  pool: NodePool;
  store: ChaosStore;
  r: Rng;
  hbTimeoutMs: number;
  /** performance.now() at which the chaos stops. */
  until: number;
  /** True once the run was interrupted (Ctrl-C): no further actions. */
  stopped(): boolean;
  counts: ChaosCounts;
  log(line: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSchedule(c: ScheduleContext): Promise<void> {
  let deck: ActionKind[] = [];
  for (;;) {
    const gap = c.r.int(1200, 3500);
    if (performance.now() + gap >= c.until || c.stopped()) return;
    await sleep(gap);
    if (c.stopped()) return;
    if (deck.length === 0) deck = c.r.shuffle(DECK);
    await act(c, deck.pop()!);
  }
}

/** A running node, preferably one holding jobs (so the action hits work in flight). */
function target(c: ScheduleContext): ChaosNode | null {
  const active = c.pool.active();
  const pick = c.r.next();
  if (active.length < 2) return null;
  const busy = active.filter((n) => c.pool.runningJobs(n.label).size > 0);
  const from = busy.length > 0 ? busy : active;
  return from[Math.floor(pick * from.length)];
}

async function act(c: ScheduleContext, kind: ActionKind): Promise<void> {
  const skip = (why: string) => {
    c.counts.skipped++;
    c.log(`  skip ${kind}: ${why}`);
  };
  switch (kind) {
    case 'kill': {
      const n = target(c);
      if (n === null) return skip('fewer than 2 running nodes');
      c.log(`  SIGKILL ${n.label} (jobs ${[...c.pool.runningJobs(n.label)].join(' ') || 'none'})`);
      c.pool.signal(n, 'SIGKILL');
      c.counts.kills++;
      return;
    }
    case 'crash-point': {
      const point = c.r.pick(CRASH_POINTS);
      const spec =
        point === 'after-checkpoint-commit'
          ? `${point}:${c.r.int(1, 6)}`
          : c.r.chance(0.5)
            ? point
            : `${point}:${c.r.int(2, 4)}`;
      const n = c.pool.start(spec);
      c.counts.crashPointsArmed[point] = (c.counts.crashPointsArmed[point] ?? 0) + 1;
      c.log(`  start ${n.label} armed with BATON_CRASH_AT=${spec}`);
      return;
    }
    case 'zombie': {
      const n = target(c);
      const pauseMs = c.hbTimeoutMs + c.r.int(300, 2500);
      if (n === null) return skip('fewer than 2 running nodes');
      c.log(`  SIGSTOP ${n.label} for ${pauseMs} ms (jobs ${[...c.pool.runningJobs(n.label)].join(' ') || 'none'})`);
      c.pool.signal(n, 'SIGSTOP');
      c.counts.zombies++;
      await sleep(pauseMs);
      c.pool.signal(n, 'SIGCONT');
      c.log(`  SIGCONT ${n.label}`);
      return;
    }
    case 'term': {
      const n = target(c);
      if (n === null) return skip('fewer than 2 running nodes');
      c.log(`  SIGTERM ${n.label} (jobs ${[...c.pool.runningJobs(n.label)].join(' ') || 'none'})`);
      c.pool.signal(n, 'SIGTERM');
      c.counts.terms++;
      return;
    }
    case 'db': {
      const downMs = c.r.int(1000, 4000);
      const holdMs = c.r.int(1000, 6000);
      if (c.store.restart !== undefined) {
        c.log(`  restart Postgres (down ${downMs} ms)`);
        await c.store.restart(downMs);
        c.counts.dbRestarts++;
        c.log('  Postgres is back');
      } else if (c.store.holdLock !== undefined) {
        c.log(`  hold the SQLite write lock for ${holdMs} ms`);
        await c.store.holdLock(holdMs);
        c.counts.lockHolds++;
      } else {
        skip('a server the harness did not start is never restarted');
      }
      return;
    }
  }
}
