/** What the API sends: rows reduced to what the page shows, values made JSON-safe and bounded. */
import { toInspectable } from '../checkpoint/codec/inspect.js';
import { toJobInfo } from '../cluster/job-info.js';
import type { ErrorInfo } from '../errors.js';
import type { JobRow, NodeRow } from '../store/records.js';

/** Larger decoded values are summarised: the page is not the place to read megabytes. */
const MAX_VALUE_JSON = 64 * 1024;

export interface JobListItem {
  id: string;
  task: string;
  status: JobRow['status'];
  progress: number;
  currentStep: string | null;
  attempt: number;
  owner: string | null;
  crashCount: number;
  errorCount: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Newest kept checkpoint (running jobs only): the work since then is at risk. */
  lastCheckpointAt: number | null;
}

export function jobListItem(row: JobRow, lastCheckpointAt: number | null = null): JobListItem {
  return {
    id: row.id,
    task: row.task,
    status: row.status,
    progress: row.progress,
    currentStep: row.currentStep,
    attempt: row.attempt,
    owner: row.ownerLabel,
    crashCount: row.crashCount,
    errorCount: row.errorCount,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    lastCheckpointAt,
  };
}

export interface JobDetail extends JobListItem {
  taskVersion: string | null;
  priority: number;
  maxAttempts: number | null;
  maxCrashes: number;
  epoch: number;
  checkpointSeq: number;
  runAt: number;
  timeoutMs: number | null;
  input: unknown;
  result: unknown;
  /** The stack stays on the server: it can name paths of the worker's machine. */
  error: Omit<ErrorInfo, 'stack'> | null;
}

export function jobDetail(row: JobRow, lastCheckpointAt: number | null): JobDetail {
  const info = toJobInfo(row);
  return {
    ...jobListItem(row, lastCheckpointAt),
    taskVersion: row.taskVersion,
    priority: row.priority,
    maxAttempts: row.maxAttempts,
    maxCrashes: row.maxCrashes,
    epoch: row.epoch,
    checkpointSeq: row.checkpointSeq,
    runAt: row.runAt,
    timeoutMs: row.timeoutMs,
    input: bounded(info.input),
    result: row.status === 'completed' ? bounded(info.result) : null,
    error: row.error === null ? null : { name: row.error.name, message: row.error.message, code: row.error.code },
  };
}

/** A decoded value as `toInspectable` pictures it, or a note when it is too large to show. */
export function bounded(value: unknown): unknown {
  const picture = toInspectable(value);
  const size = JSON.stringify(picture)?.length ?? 0;
  return size <= MAX_VALUE_JSON ? picture : { $truncated: `${size} characters of JSON: use baton jobs inspect --json` };
}

export type NodeState = 'alive' | 'dead' | 'draining' | 'stopped';

export interface NodeView extends Omit<NodeRow, 'pidStart'> {
  /** `stopped` with jobs still owned is shown as draining. */
  state: NodeState;
  /** Jobs taken over from this incarnation after it died (last hour). */
  takenOver: { jobId: string; toNode: string; at: number }[];
}

export function nodeView(n: NodeRow, takenOver: NodeView['takenOver']): NodeView {
  const { pidStart: _pidStart, ...rest } = n;
  const state: NodeState = n.status === 'stopped' ? (n.runningJobs > 0 ? 'draining' : 'stopped') : n.status;
  return { ...rest, state, takenOver };
}
