/**
 * The checks of a chaos run, per job, from three independent records: the job row and its
 * events in the store, and the ledger of side effects. Each check is one of the design's
 * invariants; a break is a Violation naming the job.
 */
import { decodeValue } from '../src/checkpoint/codec/index.js';
import type { JobEvent, JobRow } from '../src/store/records.js';
import { expectedResult, stepId, type ChaosInput } from './chaos-task.js';
import type { LedgerRow } from './ledger.js';

export type ViolationKind =
  | 'lost'
  | 'failed'
  | 'completed-twice'
  | 'wrong-result'
  | 'step-never-ran'
  | 're-executed-after-commit'
  | 'stale-epoch-event'
  | 'stale-ledger-write'
  | 'stale-side-effect-after-takeover'
  | 'seq-backwards'
  | 'fence-mismatch'
  | 'claim-by-dead-node'
  | 'node-crashed';

export interface Violation {
  kind: ViolationKind;
  jobId: string | null;
  detail: string;
}

/** Store clock and ledger clock are the same machine's; this absorbs commit latency. */
const CLOCK_SLACK_MS = 5;
/** A lease given up is "abandoned" when the store did not move the job on within this long. */
const ABANDON_SLACK_MS = 3000;

export interface JobFacts {
  jobId: string;
  input: ChaosInput;
  job: JobRow | null;
  events: JobEvent[];
  /** Ledger rows of this job, in write order. */
  ledger: LedgerRow[];
  /** When nodes gave up this job's lease (`lease:lost`), wall-clock ms, with the epoch given up. */
  leaseLosses: Array<{ node: string; epoch: number; at: number }>;
  /** When each node incarnation declared dead was declared so (store clock). */
  deadSince: ReadonlyMap<string, number>;
}

export interface JobStats {
  takeovers: number;
  handoffs: number;
  /** Step executions beyond the first (in flight at a crash: allowed, at-least-once). */
  reRuns: number;
  /** Side effects the ledger refused (a stale epoch stopped by the fence). */
  refused: number;
  /**
   * How long each lease a node gave up (`lease:lost`) while the store still held it for that
   * node stayed stranded: nobody requeued or claimed the job until a later death freed it.
   */
  abandonedMs: number[];
}

export function checkJob(f: JobFacts): { violations: Violation[]; stats: JobStats } {
  const v: Violation[] = [];
  const add = (kind: ViolationKind, detail: string) => v.push({ kind, jobId: f.jobId, detail });
  const { job, events, ledger } = f;
  const stats: JobStats = {
    takeovers: events.filter((e) => e.type === 'takeover').length,
    handoffs: events.filter((e) => e.type === 'released').length,
    reRuns: 0,
    refused: ledger.filter((r) => !r.accepted).length,
    abandonedMs: [],
  };

  if (job === null) add('lost', 'the store has no such job, though it acknowledged the submit');
  else if (job.status === 'queued' || job.status === 'running')
    add('lost', `still ${job.status} after the drain (attempt ${job.attempt}, epoch ${job.epoch})`);
  else if (job.status !== 'completed')
    add('failed', `${job.status}: ${job.error?.code ?? ''} ${job.error?.message ?? ''}`.trim());

  const completions = events.filter((e) => e.type === 'completed').length;
  if (completions > 1) add('completed-twice', `${completions} completed events`);

  if (job?.status === 'completed') {
    let result: unknown;
    try {
      result = decodeValue(job.result ?? new Uint8Array(), 'result');
    } catch (err) {
      result = `(undecodable: ${(err as Error).message})`;
    }
    if (result !== expectedResult(f.input))
      add('wrong-result', `result ${JSON.stringify(result)}, expected ${expectedResult(f.input)}`);
    for (let i = 1; i <= f.input.steps; i++) {
      if (!ledger.some((r) => r.step === stepId(i) && r.accepted))
        add('step-never-ran', `${stepId(i)} has no accepted side effect`);
    }
  }

  // Invariant 4: a step whose checkpoint committed (epoch E, listing it) never runs again in a
  // later epoch. Steps run in order, so a checkpoint listing n steps committed s1..sn.
  const commits = events
    .filter((e) => e.type === 'checkpoint')
    .map((e) => ({ epoch: e.epoch ?? 0, steps: Number(e.data?.steps ?? 0), seq: Number(e.data?.seq) }));
  for (const r of ledger) {
    const k = Number(r.step.slice(1));
    const cp = commits.find((c) => c.steps >= k && c.epoch < r.epoch);
    if (cp !== undefined)
      add(
        're-executed-after-commit',
        `${r.step} ran again in epoch ${r.epoch} on ${r.node}; checkpoint seq ${cp.seq} of epoch ${cp.epoch} had committed it`,
      );
  }

  // Invariant 1: after a claim with epoch E, no write of an older epoch is accepted.
  let newest = 0;
  for (const e of events) {
    if (e.epoch === null) continue;
    if (e.epoch < newest)
      add('stale-epoch-event', `event #${e.id} ${e.type} with epoch ${e.epoch} after epoch ${newest}`);
    newest = Math.max(newest, e.epoch);
  }

  // Invariant 3: seq only grows.
  for (let i = 1; i < commits.length; i++) {
    if (!(commits[i].seq > commits[i - 1].seq))
      add('seq-backwards', `checkpoint seq ${commits[i].seq} after seq ${commits[i - 1].seq}`);
  }

  // The ledger's own fence, and the epoch ctx.fence handed out: a real claim by that node.
  const claims = events.filter((e) => e.type === 'claimed' || e.type === 'takeover');
  let accepted = 0;
  for (const r of ledger) {
    if (r.accepted && r.epoch < accepted)
      add('stale-ledger-write', `${r.step} accepted with epoch ${r.epoch} after epoch ${accepted}`);
    if (r.accepted) accepted = Math.max(accepted, r.epoch);
    if (!claims.some((c) => c.epoch === r.epoch && c.nodeId === r.node))
      add('fence-mismatch', `${r.step} written by ${r.node} with epoch ${r.epoch}, which that node never claimed`);
    // A side effect of epoch E performed after a newer epoch was claimed: the writer had lost
    // its lease (paused, or handing off) and ctx.fence still handed out the old epoch.
    const newer = r.accepted ? claims.find((c) => (c.epoch ?? 0) > r.epoch && c.at + CLOCK_SLACK_MS < r.at) : undefined;
    if (newer !== undefined) {
      add(
        'stale-side-effect-after-takeover',
        `${r.step} by ${r.node} with epoch ${r.epoch} accepted ${r.at - newer.at} ms after ${newer.nodeId} claimed epoch ${newer.epoch}`,
      );
    }
  }
  // A lease given up although the store had not moved the job on (no requeue, release or newer
  // claim): the job stays `running` under a node that no longer runs it, until that node dies.
  const end = Math.max(Date.now(), ...events.map((e) => e.at));
  for (const loss of f.leaseLosses) {
    const movedOn = events.find(
      (e) =>
        (((e.type === 'requeued' || e.type === 'released' || e.type === 'cancelled' || e.type === 'completed') &&
          e.epoch === loss.epoch) ||
          ((e.type === 'claimed' || e.type === 'takeover') && (e.epoch ?? 0) > loss.epoch)) &&
        e.id > (claims.find((c) => c.epoch === loss.epoch)?.id ?? 0),
    );
    const stranded = (movedOn?.at ?? end) - loss.at;
    if (movedOn === undefined || stranded > ABANDON_SLACK_MS) stats.abandonedMs.push(Math.max(0, stranded));
  }
  // A dead incarnation never comes back: a claim it makes after being declared dead is a write
  // by a node the cluster has already fenced off.
  for (const c of claims) {
    const incarnation = typeof c.data?.incarnation === 'string' ? c.data.incarnation : undefined;
    const deadAt = incarnation === undefined ? undefined : f.deadSince.get(incarnation);
    if (deadAt !== undefined && deadAt + CLOCK_SLACK_MS < c.at) {
      add(
        'claim-by-dead-node',
        `${c.nodeId} claimed epoch ${c.epoch} as incarnation ${incarnation?.slice(0, 8)}, declared dead ${c.at - deadAt} ms earlier`,
      );
    }
  }
  const runs = new Map<string, number>();
  for (const r of ledger) runs.set(r.step, (runs.get(r.step) ?? 0) + 1);
  for (const n of runs.values()) stats.reRuns += n - 1;
  return { violations: v, stats };
}

/** One job's whole story, for a failed run's report. */
export function jobHistory(f: JobFacts): string {
  const lines = [
    `job ${f.jobId} input ${JSON.stringify(f.input)} status ${f.job?.status ?? 'missing'} epoch ${f.job?.epoch ?? '-'}`,
  ];
  for (const e of f.events)
    lines.push(
      `  event #${e.id} ${new Date(e.at).toISOString()} ${e.type} node=${e.nodeId ?? '-'} attempt=${e.attempt ?? '-'} epoch=${e.epoch ?? '-'} ${e.data === null ? '' : JSON.stringify(e.data)}`,
    );
  for (const r of f.ledger)
    lines.push(
      `  ledger #${r.id} ${new Date(r.at).toISOString()} ${r.step} node=${r.node} attempt=${r.attempt} epoch=${r.epoch} ${r.accepted ? 'accepted' : 'REFUSED'}`,
    );
  return lines.join('\n');
}
