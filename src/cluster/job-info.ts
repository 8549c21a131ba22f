/** The job as a Client returns it: the row with its input and result decoded. */
import { decodeValue } from '../checkpoint/codec/index.js';
import type { ErrorInfo } from '../errors.js';
import type { JobRow, JobStatus } from '../store/records.js';

export interface JobInfo {
  id: string;
  task: string;
  taskVersion: string | null;
  status: JobStatus;
  attempt: number;
  progress: number;
  currentStep: string | null;
  /** Label of the node running it (or that last ran it). */
  ownerNode: string | null;
  input: unknown;
  result: unknown;
  error: ErrorInfo | null;
  priority: number;
  errorCount: number;
  crashCount: number;
  maxAttempts: number | null;
  maxCrashes: number;
  epoch: number;
  checkpointSeq: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  runAt: number;
  /** Set by listJobs for queued jobs: no live node serves this task. */
  unserved?: boolean;
}

export const FINISHED: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

export function toJobInfo(row: JobRow): JobInfo {
  const decode = (bytes: Uint8Array | null, what: string): unknown => {
    if (bytes === null || bytes.byteLength === 0) return undefined;
    try {
      return decodeValue(bytes, what);
    } catch {
      return undefined;
    }
  };
  return {
    id: row.id,
    task: row.task,
    taskVersion: row.taskVersion,
    status: row.status,
    attempt: row.attempt,
    progress: row.progress,
    currentStep: row.currentStep,
    ownerNode: row.ownerLabel,
    input: decode(row.input, 'input'),
    result: decode(row.result, 'result'),
    error: row.error,
    priority: row.priority,
    errorCount: row.errorCount,
    crashCount: row.crashCount,
    maxAttempts: row.maxAttempts,
    maxCrashes: row.maxCrashes,
    epoch: row.epoch,
    checkpointSeq: row.checkpointSeq,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    runAt: row.runAt,
  };
}
