/**
 * A job's history as a picture model: one lane per node label, one bar per attempt, marks for
 * checkpoints, kills, detection, takeover, resume and the end. Built from the job's events
 * alone (checkpoint rows are deleted when a job completes; its events stay).
 *
 * A SIGKILLed process leaves no event, so the kill is placed at the owner's last sign of
 * life: its last heartbeat, or a later checkpoint of the attempt. Resume points are inferred: an attempt
 * after the first resumes from the newest checkpoint committed before it started.
 */
import type { CheckpointRow, JobEvent, NodeRow } from '../store/records.js';
import { deadOwner } from './incarnations.js';

export type BarOutcome = 'running' | 'completed' | 'failed' | 'cancelled' | 'crashed' | 'released' | 'error' | 'lost';

export interface ResumePoint {
  seq: number;
  at: number;
  progress: number;
  /** Completed steps in that checkpoint: skipped by the resumed attempt. */
  steps: number;
  /** Their names, while the checkpoint row is still kept. */
  stepNames: string[] | null;
}

export interface TimelineBar {
  attempt: number;
  node: string;
  start: number;
  end: number;
  outcome: BarOutcome;
  resumedFrom: ResumePoint | null;
}

export interface TimelineMark {
  kind: string;
  at: number;
  node: string | null;
  attempt: number | null;
  data: Record<string, unknown>;
}

export interface Timeline {
  start: number;
  end: number;
  lanes: string[];
  bars: TimelineBar[];
  marks: TimelineMark[];
}

export interface TimelineInput {
  events: readonly JobEvent[];
  nodes: readonly NodeRow[];
  /** Store clock: where a running attempt's bar ends. */
  now: number;
  running: boolean;
  /** Kept checkpoint rows, for the names of skipped steps. */
  checkpoints?: readonly CheckpointRow[];
}

const ENDS: Partial<Record<string, BarOutcome>> = {
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  released: 'released',
  retry: 'error',
  'lease:lost': 'lost',
};

export function buildTimeline(input: TimelineInput): Timeline {
  const bars: TimelineBar[] = [];
  const marks: TimelineMark[] = [];
  let open: TimelineBar | null = null;
  let latest: ResumePoint | null = null;
  const mark = (e: JobEvent, kind: string, data: Record<string, unknown> = e.data ?? {}, at = e.at, node = e.nodeId) =>
    marks.push({ kind, at, node, attempt: e.attempt, data });
  /** The owner died: its bar ends at its last sign of life (bar.end so far), detection at `e`. */
  const crash = (bar: TimelineBar, e: JobEvent) => {
    const owner = deadOwner(input.nodes, bar.node, e.at);
    const lastBeat = owner === null ? e.at : Math.min(e.at, Math.max(owner.heartbeatAt, bar.end));
    const lastCp = latest !== null && latest.at >= bar.start ? latest.at : null;
    Object.assign(bar, { end: lastBeat, outcome: 'crashed' });
    mark(
      e,
      'kill',
      { lostMs: lastCp === null ? lastBeat - bar.start : lastBeat - lastCp, deadAt: owner?.deadAt ?? null },
      lastBeat,
      bar.node,
    );
  };
  for (const e of input.events) {
    const d = e.data ?? {};
    if (e.type === 'claimed' || e.type === 'takeover') {
      if (open !== null) crash(open, e); // claimed straight from a dead owner (no requeue in between)
      const resumedFrom =
        (e.attempt ?? 1) > 1 && latest !== null
          ? { ...latest, stepNames: stepNames(input.checkpoints, latest.seq) }
          : null;
      open = {
        attempt: e.attempt ?? bars.length + 1,
        node: e.nodeId ?? '?',
        start: e.at,
        end: e.at,
        outcome: 'running',
        resumedFrom,
      };
      bars.push(open);
      if (e.type === 'takeover') {
        const owner = deadOwner(input.nodes, String(d.fromNode ?? ''), e.at);
        mark(e, 'takeover', { ...d, takeoverMs: owner === null ? null : e.at - owner.heartbeatAt });
      }
      if (resumedFrom !== null) mark(e, 'resume', { ...resumedFrom });
    } else if (e.type === 'checkpoint') {
      latest = {
        seq: Number(d.seq),
        at: e.at,
        progress: Number(d.progress),
        steps: Number(d.steps ?? 0),
        stepNames: null,
      };
      if (open !== null && e.attempt === open.attempt) open.end = e.at;
      mark(e, 'checkpoint');
    } else if (e.type === 'requeued' || (e.type === 'failed' && d.code === 'CRASH_LIMIT')) {
      if (open !== null) crash(open, e);
      open = null;
      mark(e, e.type === 'requeued' ? 'detected' : 'failed');
    } else if (ENDS[e.type] !== undefined && open !== null && !(e.type === 'retry' && d.manual === true)) {
      Object.assign(open, { end: e.at, outcome: ENDS[e.type] });
      open = null;
      mark(e, e.type);
    } else {
      mark(e, e.type);
    }
  }
  if (open !== null) open.end = input.running ? input.now : Math.max(open.end, input.events.at(-1)?.at ?? open.end);
  const times = [
    ...bars.flatMap((b) => [b.start, b.end]),
    ...marks.map((m) => m.at),
    ...(input.running ? [input.now] : []),
  ];
  if (times.length === 0) times.push(input.now);
  const lanes = [
    ...new Set([...bars.map((b) => b.node), ...marks.map((m) => m.node).filter((n): n is string => n !== null)]),
  ];
  return { start: Math.min(...times), end: Math.max(...times), lanes, bars, marks };
}

function stepNames(rows: readonly CheckpointRow[] | undefined, seq: number): string[] | null {
  return rows?.find((r) => r.seq === seq)?.completedSteps ?? null;
}

/**
 * Work a takeover saved, in ms: the running time the job had spent up to the checkpoint the
 * attempt resumed from — what a restart from zero would have run again. (It counts running
 * time only, so queueing and detection gaps are excluded; work lost to earlier crashes before
 * that checkpoint is included, a small overestimate.)
 */
export function workSaved(t: Timeline, attempt: number): number {
  const bar = t.bars.find((b) => b.attempt === attempt);
  const cpAt = bar?.resumedFrom?.at;
  if (bar === undefined || cpAt === undefined) return 0;
  return t.bars.filter((b) => b.start < cpAt).reduce((sum, b) => sum + Math.min(b.end, cpAt) - b.start, 0);
}
