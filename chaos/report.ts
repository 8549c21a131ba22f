/** The figures of a chaos run, and how they are printed. */
import type { ChaosCounts } from './schedule.js';
import type { Violation } from './verify.js';

export interface ChaosReport {
  seed: number;
  backend: 'sqlite' | 'postgres';
  store: string;
  chaosMs: number;
  nodes: number;
  concurrency: number;
  submitted: number;
  completed: number;
  failed: number;
  lost: number;
  completedTwice: number;
  reExecutedAfterCommit: number;
  staleEpochWritesAccepted: { events: number; ledger: number; sideEffectsAfterTakeover: number };
  seqBackwards: number;
  /** Claims made by a node incarnation after it had been declared dead. */
  claimsByDeadNodes: number;
  wrongResults: number;
  counts: ChaosCounts & {
    crashPointDeaths: number;
    zombiesFenced: number;
    takeovers: number;
    handoffs: number;
    unplannedTakeovers: number;
    stepReRuns: number;
    staleSideEffectsRefused: number;
    /** Nodes that could not start while the store was down (they exit 75 and are replaced). */
    nodeStartFailures: number;
    /** Nodes that stopped themselves because they could no longer heartbeat (exit 76). */
    nodeFatalStops: number;
    /** Highest crash_count of a job (takeovers counted as crashes). */
    maxCrashCount: number;
    /** Jobs taken over 3 times or more: with the default maxCrashes (3) they would have failed CRASH_LIMIT. */
    jobsPastDefaultMaxCrashes: number;
    /** Leases a node gave up while the store still held them: the job sat `running` with nobody on it. */
    leasesAbandoned: number;
    leasesAbandonedMaxMs: number | null;
  };
  takeoverLatencyMs: { n: number; p50: number | null; p99: number | null; max: number | null };
  violations: Violation[];
  /** Full histories of the jobs with violations. */
  histories: string[];
  runDir: string;
}

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)} ms`);

export function formatReport(r: ChaosReport): string {
  const c = r.counts;
  const armed =
    Object.entries(c.crashPointsArmed)
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ') || 'none';
  const stale = r.staleEpochWritesAccepted;
  const lines = [
    `chaos run: ${r.backend} (${r.store}), seed ${r.seed}, ${(r.chaosMs / 1000).toFixed(0)} s of chaos, ${r.nodes} nodes × ${r.concurrency} jobs`,
    `  jobs            submitted ${r.submitted}, completed ${r.completed}, failed ${r.failed}, lost ${r.lost}`,
    `  invariants      completed more than once ${r.completedTwice}; steps re-executed after their checkpoint committed ${r.reExecutedAfterCommit};`,
    `                  stale-epoch writes accepted ${stale.events + stale.ledger + stale.sideEffectsAfterTakeover} (store events ${stale.events}, ledger ${stale.ledger}, side effects after a takeover ${stale.sideEffectsAfterTakeover});`,
    `                  checkpoint seq going backwards ${r.seqBackwards}; wrong results ${r.wrongResults};`,
    `                  claims by a node already declared dead ${r.claimsByDeadNodes}`,
    `  chaos           kills ${c.kills}, crash points armed ${armed} (died there ${c.crashPointDeaths}), zombies ${c.zombies} (fenced ${c.zombiesFenced}),`,
    `                  SIGTERMs ${c.terms} (handoffs ${c.handoffs}), takeovers ${c.takeovers} (unplanned ${c.unplannedTakeovers}), DB restarts survived ${c.dbRestarts}, SQLite lock holds ${c.lockHolds}, replacement nodes ${c.replacements} (${c.nodeStartFailures} could not start: store down; ${c.nodeFatalStops} stopped themselves: heartbeat lost)`,
    `  takeover        latency p50 ${ms(r.takeoverLatencyMs.p50)}, p99 ${ms(r.takeoverLatencyMs.p99)}, max ${ms(r.takeoverLatencyMs.max)} (n=${r.takeoverLatencyMs.n}, from the kill or pause to the new owner's takeover)`,
    `  at-least-once   ${c.stepReRuns} step executions repeated (in flight when their node died or paused), ${c.staleSideEffectsRefused} stale side effects refused by the ledger's fence`,
    `  crash counts    highest ${c.maxCrashCount}; ${c.jobsPastDefaultMaxCrashes} job(s) counted 3 or more crashes (with the default maxCrashes of 3 they would have failed)`,
    `  liveness        ${c.leasesAbandoned} lease(s) given up while the store still held them (job left running, nobody on it; longest ${ms(c.leasesAbandonedMaxMs)})`,
  ];
  if (r.violations.length === 0) {
    lines.push(`  RESULT          PASS (replay: --seed ${r.seed})`);
  } else {
    lines.push(
      `  RESULT          FAIL: ${r.violations.length} violation(s) (replay: --seed ${r.seed}; run folder ${r.runDir})`,
    );
    for (const v of r.violations.slice(0, 50)) lines.push(`    ${v.kind} ${v.jobId ?? ''}: ${v.detail}`);
    if (r.violations.length > 50) lines.push(`    … and ${r.violations.length - 50} more`);
    for (const h of r.histories.slice(0, 20)) lines.push(h);
  }
  return lines.join('\n');
}
