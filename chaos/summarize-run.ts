/**
 * The end of a chaos run: every job checked (verify.ts) from the store and the ledger, and the
 * run's figures gathered from the nodes' events: kills, zombies fenced, takeovers and their
 * latency from the moment the harness killed or paused the owner.
 */
import { retryStoreCall } from '../src/store/retry.js';
import type { Store } from '../src/store/store.js';
import type { JobStream } from './job-stream.js';
import type { LedgerRow } from './ledger.js';
import type { NodeEvent, NodePool } from './nodes.js';
import { percentile, type ChaosReport } from './report.js';
import type { ChaosCounts } from './schedule.js';
import { checkJob, jobHistory, type JobFacts, type Violation } from './verify.js';

/** Kills and pauses explain what happens within this long after them; later events have other causes. */
const ATTRIBUTION_MS = 30_000;

export interface RunRecord {
  o: { seed: number };
  cs: Store;
  ledger: LedgerRow[];
  stream: JobStream;
  pool: NodePool;
  counts: ChaosCounts;
  chaosMs: number;
  K: number;
  concurrency: number;
  backend: 'sqlite' | 'postgres';
  shownUrl: string;
  dir: string;
}

export async function summarizeRun(x: RunRecord): Promise<ChaosReport> {
  const byJob = new Map<string, LedgerRow[]>();
  for (const r of x.ledger) (byJob.get(r.job) ?? byJob.set(r.job, []).get(r.job)!).push(r);
  const lossesByJob = new Map<string, NodeEvent[]>();
  for (const e of x.pool.events)
    if (e.event === 'lease:lost' && e.jobId !== undefined)
      (lossesByJob.get(e.jobId) ?? lossesByJob.set(e.jobId, []).get(e.jobId)!).push(e);
  const abandoned: number[] = [];
  const crashCounts: number[] = [];
  const deadSince = new Map<string, number>();
  for (const n of await retryStoreCall(() => x.cs.listNodes()))
    if (n.status === 'dead' && n.deadAt !== null) deadSince.set(n.id, n.deadAt);
  const violations: Violation[] = [];
  const histories: string[] = [];
  const totals = { takeovers: 0, handoffs: 0, reRuns: 0, refused: 0 };
  let completed = 0;
  let failed = 0;
  for (const [jobId, input] of x.stream.submitted) {
    const job = await retryStoreCall(() => x.cs.getJob(jobId));
    const events = await retryStoreCall(() => x.cs.listEvents(jobId));
    const leaseLosses = (lossesByJob.get(jobId) ?? []).map((e) => ({
      node: e.node,
      epoch: e.epoch ?? 0,
      at: performance.timeOrigin + e.at,
    }));
    const facts: JobFacts = { jobId, input, job, events, ledger: byJob.get(jobId) ?? [], leaseLosses, deadSince };
    const { violations: v, stats } = checkJob(facts);
    if (job?.status === 'completed') completed++;
    else if (job?.status === 'failed' || job?.status === 'cancelled') failed++;
    totals.takeovers += stats.takeovers;
    totals.handoffs += stats.handoffs;
    totals.reRuns += stats.reRuns;
    totals.refused += stats.refused;
    abandoned.push(...stats.abandonedMs);
    crashCounts.push(job?.crashCount ?? 0);
    if (v.length > 0) {
      violations.push(...v);
      histories.push(jobHistory(facts) + '\n' + nodeStory(x.pool, jobId));
    }
  }
  for (const { label, result } of x.pool.unexpectedExits) {
    violations.push({
      kind: 'node-crashed',
      jobId: null,
      detail: `${label} exited by itself (${result.signal ?? `code ${result.code}`}): ${result.stderr.slice(-1500)}`,
    });
  }
  for (const n of x.pool.nodes.values()) {
    if (n.endedBy === 'SIGTERM' && n.exit !== null && n.exit.signal === null && n.exit.code !== 0) {
      violations.push({
        kind: 'node-crashed',
        jobId: null,
        detail: `${n.label} exited with code ${n.exit.code} on SIGTERM: ${n.exit.stderr.slice(-1500)}`,
      });
    }
  }
  const count = (kind: Violation['kind']) => violations.filter((v) => v.kind === kind).length;
  const { latencies, unplanned } = takeoverLatencies(x.pool);
  return {
    seed: x.o.seed,
    backend: x.backend,
    store: x.shownUrl,
    chaosMs: x.chaosMs,
    nodes: x.K,
    concurrency: x.concurrency,
    submitted: x.stream.submitted.size,
    completed,
    failed,
    lost: count('lost'),
    completedTwice: count('completed-twice'),
    reExecutedAfterCommit: count('re-executed-after-commit'),
    staleEpochWritesAccepted: {
      events: count('stale-epoch-event'),
      ledger: count('stale-ledger-write'),
      sideEffectsAfterTakeover: count('stale-side-effect-after-takeover'),
    },
    seqBackwards: count('seq-backwards'),
    claimsByDeadNodes: count('claim-by-dead-node'),
    wrongResults: count('wrong-result'),
    counts: {
      ...x.counts,
      crashPointDeaths: x.pool.deaths.filter((d) => d.kind === 'crash-point').length,
      zombiesFenced: zombiesFenced(x.pool),
      takeovers: totals.takeovers,
      handoffs: totals.handoffs,
      unplannedTakeovers: unplanned,
      stepReRuns: totals.reRuns,
      staleSideEffectsRefused: totals.refused,
      nodeStartFailures: x.pool.startFailures,
      nodeFatalStops: x.pool.fatalStops,
      maxCrashCount: Math.max(0, ...crashCounts),
      // Jobs run with maxCrashes 1000 here; with the default of 3 these would have failed.
      jobsPastDefaultMaxCrashes: crashCounts.filter((n) => n >= 3).length,
      leasesAbandoned: abandoned.length,
      leasesAbandonedMaxMs: abandoned.length === 0 ? null : Math.max(...abandoned),
    },
    takeoverLatencyMs: {
      n: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? null,
    },
    violations,
    histories,
    runDir: x.dir,
  };
}

/** Jobs a paused node was stopped from finishing: its lease came back lost, or the ledger refused it. */
function zombiesFenced(pool: NodePool): number {
  const fenced = new Set<string>();
  for (const d of pool.deaths.filter((x) => x.kind === 'zombie')) {
    for (const e of pool.events) {
      if (
        e.node === d.label &&
        e.at > d.at &&
        e.at - d.at < ATTRIBUTION_MS &&
        (e.event === 'lease:lost' || e.event === 'ledger:refused')
      )
        fenced.add(`${e.node}/${e.jobId}`);
    }
  }
  return fenced.size;
}

/** From the harness's kill or pause of a node to each takeover of one of its jobs. */
function takeoverLatencies(pool: NodePool): { latencies: number[]; unplanned: number } {
  const latencies: number[] = [];
  let unplanned = 0;
  for (const e of pool.events) {
    if (e.event !== 'job:takeover') continue;
    // A takeover long after the node's last kill or pause has another cause (the node lived
    // on after a pause, or a stall got it declared dead): it counts as unplanned.
    const death = pool.deaths
      .filter((d) => d.label === e.fromNode && d.at <= e.at && e.at - d.at < ATTRIBUTION_MS)
      .at(-1);
    if (death === undefined) unplanned++;
    else latencies.push(e.at - death.at);
  }
  return { latencies: latencies.sort((a, b) => a - b), unplanned };
}

/** What the nodes said about one job, for the report of a failed run. */
function nodeStory(pool: NodePool, jobId: string): string {
  return pool.events
    .filter((e) => e.jobId === jobId)
    .map(
      (e) =>
        `  node ${e.node} +${Math.round(e.at)}ms ${e.event} ${JSON.stringify({ ...e, event: undefined, node: undefined, jobId: undefined, at: undefined })}`,
    )
    .join('\n');
}
