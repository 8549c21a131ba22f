/**
 * Maps database rows (snake_case columns, as both backends return them) to the records the
 * core uses. Postgres returns BIGINT as strings and BYTEA as Buffer; SQLite returns numbers and
 * Buffer: `num` accepts both so the backends share one mapper.
 */
import type { ErrorInfo } from '../errors.js';
import type { CheckpointRow, CheckpointSummary, JobEvent, JobRow, NodeRow } from './records.js';

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const bytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : Buffer.alloc(0));

/** A job's error as stored; text that is not JSON (a damaged row) is kept as the message. */
function errorInfo(v: unknown): ErrorInfo {
  if (typeof v !== 'string') return v as ErrorInfo;
  try {
    const parsed = JSON.parse(v) as unknown;
    if (typeof parsed === 'object' && parsed !== null) return parsed as ErrorInfo;
  } catch {
    // fall through: show the raw text
  }
  return { name: 'Error', message: v };
}

export function toJobRow(r: Row): JobRow {
  return {
    id: String(r.id),
    task: String(r.task),
    taskVersion: strOrNull(r.task_version),
    status: r.status as JobRow['status'],
    priority: num(r.priority),
    runAt: num(r.run_at),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    startedAt: numOrNull(r.started_at),
    finishedAt: numOrNull(r.finished_at),
    attempt: num(r.attempt),
    errorCount: num(r.error_count),
    crashCount: num(r.crash_count),
    maxAttempts: numOrNull(r.max_attempts),
    maxCrashes: num(r.max_crashes),
    epoch: num(r.lease_epoch),
    ownerNode: strOrNull(r.owner_node),
    ownerLabel: strOrNull(r.owner_label),
    lastOwnerLabel: strOrNull(r.last_owner_label),
    requeueReason: strOrNull(r.requeue_reason) as JobRow['requeueReason'],
    backupNode: strOrNull(r.backup_node),
    progress: num(r.progress),
    currentStep: strOrNull(r.current_step),
    checkpointSeq: num(r.checkpoint_seq),
    input: bytes(r.input),
    result: r.result === null || r.result === undefined ? null : bytes(r.result),
    error: r.error === null || r.error === undefined ? null : errorInfo(r.error),
    timeoutMs: numOrNull(r.timeout_ms),
  };
}

export function toNodeRow(r: Row): NodeRow {
  return {
    id: String(r.id),
    label: String(r.label),
    host: String(r.host),
    pid: num(r.pid),
    pidStart: strOrNull(r.pid_start),
    status: r.status as NodeRow['status'],
    startedAt: num(r.started_at),
    heartbeatAt: num(r.heartbeat_at),
    heartbeatAgeMs: numOrNull(r.heartbeat_age_ms) ?? 0,
    deadAt: numOrNull(r.dead_at),
    tasks: json<string[]>(r.tasks ?? '[]'),
    runningJobs: numOrNull(r.running_jobs) ?? 0,
  };
}

export function toCheckpointSummary(r: Row): CheckpointSummary {
  return {
    jobId: String(r.job_id),
    seq: num(r.seq),
    epoch: num(r.epoch),
    nodeId: String(r.node_id),
    attempt: num(r.attempt),
    createdAt: num(r.created_at),
    progress: num(r.progress),
    currentStep: strOrNull(r.current_step),
    formatVersion: num(r.format_version),
    sizeBytes: num(r.size_bytes),
  };
}

export function toCheckpointRow(r: Row): CheckpointRow {
  // A damaged row must reach the verified read (which reports it and falls back), not throw here.
  let completedSteps: string[] = [];
  let unreadable: string | undefined;
  try {
    completedSteps = json<string[]>(r.completed_steps);
    if (!Array.isArray(completedSteps) || !completedSteps.every((s) => typeof s === 'string')) throw new Error('not a list of step ids');
  } catch (err) {
    unreadable = `completed steps unreadable (${(err as Error).message})`;
    completedSteps = [];
  }
  return {
    ...toCheckpointSummary(r),
    ...(unreadable === undefined ? {} : { unreadable }),
    completedSteps,
    manifest: typeof r.manifest === 'string' ? r.manifest : JSON.stringify(r.manifest),
    checksum: String(r.checksum),
  };
}

export function toJobEvent(r: Row): JobEvent {
  return {
    id: num(r.id),
    jobId: String(r.job_id),
    type: r.type as JobEvent['type'],
    at: num(r.at),
    nodeId: strOrNull(r.node_id),
    attempt: numOrNull(r.attempt),
    epoch: numOrNull(r.epoch),
    data: r.data === null || r.data === undefined ? null : json<Record<string, unknown>>(r.data),
  };
}
