/**
 * The rows a store keeps, as the core sees them. Times are milliseconds since the epoch, read
 * from the store's own clock (never compared with another machine's clock). Values the core
 * encodes (job input, results, checkpoint chunks) travel as bytes: stores never decode them.
 */
import type { ErrorInfo } from '../errors.js';

export const JobStatus = {
  QUEUED: 'queued',
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** Why a job went back to `queued`: decides whether the next claim is a takeover. */
export type RequeueReason = 'crash' | 'release' | 'retry' | 'manual';

export interface JobRow {
  id: string;
  task: string;
  taskVersion: string | null;
  status: JobStatus;
  priority: number;
  runAt: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Grows at every claim; the attempt a run reports. */
  attempt: number;
  /** Runs that ended in a task error (counted against maxAttempts). */
  errorCount: number;
  /** Runs that ended with their node declared dead (counted against maxCrashes). */
  crashCount: number;
  /** Null: the serving task's maxAttempts (else 3). */
  maxAttempts: number | null;
  maxCrashes: number;
  /** The fencing token: grows by one at every claim and never shrinks. */
  epoch: number;
  /** Incarnation id of the owning node while running. */
  ownerNode: string | null;
  /** Human label of the owning node (or of the last owner once released). */
  ownerLabel: string | null;
  /** Label of the node that owned the job before it was requeued. */
  lastOwnerLabel: string | null;
  requeueReason: RequeueReason | null;
  /** Label of a node that gets first claim when the job is taken over. */
  backupNode: string | null;
  progress: number;
  currentStep: string | null;
  /** Highest checkpoint seq ever committed for the job (0 = none). */
  checkpointSeq: number;
  input: Uint8Array;
  result: Uint8Array | null;
  error: ErrorInfo | null;
  timeoutMs: number | null;
}

export const NodeStatus = { ALIVE: 'alive', DEAD: 'dead', STOPPED: 'stopped' } as const;
export type NodeStatus = (typeof NodeStatus)[keyof typeof NodeStatus];

export interface NodeRow {
  /** Incarnation id: one per process start, never reused. */
  id: string;
  /** Human label (`nodeId` option), shared by the incarnations of one logical node. */
  label: string;
  host: string;
  pid: number;
  /** Process start time as the OS reports it (guards against pid reuse); null if unknown. */
  pidStart: string | null;
  status: NodeStatus;
  startedAt: number;
  heartbeatAt: number;
  /** Heartbeat age by the store clock at the time of the read. */
  heartbeatAgeMs: number;
  deadAt: number | null;
  tasks: string[];
  runningJobs: number;
}

export interface NodeRegistration {
  id: string;
  label: string;
  host: string;
  pid: number;
  pidStart: string | null;
  tasks: string[];
}

/** The checkpoint as stored: header fields plus the manifest of chunk hashes. */
export interface CheckpointRow {
  jobId: string;
  seq: number;
  epoch: number;
  nodeId: string;
  attempt: number;
  createdAt: number;
  progress: number;
  currentStep: string | null;
  completedSteps: string[];
  /** JSON text: which chunks make up each state / result / input value (see checkpoint/manifest.ts). */
  manifest: string;
  formatVersion: number;
  checksum: string;
  sizeBytes: number;
  /** Set when the row itself could not be read (a damaged column): the checkpoint is corrupt. */
  unreadable?: string;
}

export type CheckpointSummary = Omit<CheckpointRow, 'manifest' | 'completedSteps' | 'checksum'> & {
  currentStep: string | null;
};

export interface JobEvent {
  id: number;
  jobId: string;
  type: JobEventType;
  at: number;
  nodeId: string | null;
  attempt: number | null;
  epoch: number | null;
  data: Record<string, unknown> | null;
}

export type JobEventType =
  | 'submitted'
  | 'claimed'
  | 'takeover'
  | 'resumed'
  | 'checkpoint'
  | 'checkpoint:corrupt'
  | 'released'
  | 'requeued'
  | 'retry'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'lease:lost';
