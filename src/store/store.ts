/**
 * The Store contract: everything Baton keeps durably goes through it. One implementation per
 * backend (store/sqlite, store/postgres; `memory:` is SQLite in memory), all held to the same
 * contract suite (test/store-contract.test.ts). Core code never asks which backend it has; it
 * reads `capabilities`.
 *
 * Invariant 1 (fencing): every method taking a `Fence` is ONE conditional write
 * `... WHERE id = ? AND lease_epoch = ? AND status = 'running'`; when it matches nothing it
 * throws BatonError LEASE_LOST and changes nothing. Maintenance (dead nodes, requeues) is
 * compare-and-set on the current row, never an update by id from an earlier read.
 */
import type { ErrorInfo } from '../errors.js';
import type {
  CheckpointRow,
  CheckpointSummary,
  JobEvent,
  JobEventType,
  JobRow,
  JobStatus,
  NodeRegistration,
  NodeRow,
} from './records.js';

export interface StoreCapabilities {
  /** Several processes may open this store at once (false for `memory:`). */
  readonly crossProcess: boolean;
  /** The store pushes wake-ups on new work (Postgres LISTEN/NOTIFY); otherwise poll. */
  readonly notifications: boolean;
  /** How often a waiting worker should poll for work when there are no notifications, in ms. */
  readonly pollIntervalMs: number;
}

/** Proof of ownership carried by every job write. */
export interface Fence {
  readonly jobId: string;
  readonly epoch: number;
}

export interface SubmitJobInput {
  id: string;
  task: string;
  taskVersion: string | null;
  input: Uint8Array;
  priority: number;
  /** Earliest start, store clock ms; null = now. */
  runAt: number | null;
  /** Null: the task's own maxAttempts, resolved by the worker that runs it. */
  maxAttempts: number | null;
  maxCrashes: number;
  backupNode: string | null;
  timeoutMs: number | null;
}

export interface ClaimRequest {
  nodeId: string;
  nodeLabel: string;
  /** Task names this node serves. */
  tasks: readonly string[];
  limit: number;
}

/** Checkpoint header plus what to insert, for `commitCheckpoint`. */
export interface CheckpointWrite {
  nodeId: string;
  attempt: number;
  progress: number;
  currentStep: string | null;
  completedSteps: string[];
  manifest: string;
  /** Every chunk hash the manifest references (for the existence check and chunk GC). */
  chunkRefs: string[];
  formatVersion: number;
  checksum: string;
  sizeBytes: number;
  /** Small new chunks written in the same transaction (large ones go first via putChunks). */
  inlineChunks: ReadonlyArray<readonly [hash: string, data: Uint8Array]>;
  /** Keep only this many newest checkpoints of the job. */
  keep: number;
}

export interface CommittedCheckpoint {
  seq: number;
  createdAt: number;
}

export interface FailInput {
  error: ErrorInfo;
  /** Retry at this store-clock time (status back to queued), or null to fail for good. */
  retryAt: number | null;
}

export interface RequeuedJob {
  jobId: string;
  fromNode: string | null;
  /** True when the job hit maxCrashes and was failed instead of requeued. */
  failed: boolean;
}

export interface Store {
  /** The store URL with any password removed: safe for logs and errors. */
  readonly url: string;
  readonly capabilities: StoreCapabilities;

  /** Creates or upgrades the schema (numbered migrations, applied once, under a lock). */
  migrate(): Promise<void>;
  /** The store clock, ms since the epoch. */
  now(): Promise<number>;
  close(): Promise<void>;
  /**
   * Calls `listener` when new work may be claimable (submit, release, requeue, retry), for
   * stores with `capabilities.notifications`; returns the unsubscribe function. Notifications
   * can be lost (e.g. across a reconnect, after which the store calls the listener once), so
   * workers still poll slowly as a backstop.
   */
  watchWork?(listener: () => void): () => void;

  // --- nodes -------------------------------------------------------------------------------
  registerNode(node: NodeRegistration): Promise<NodeRow>;
  /** Refreshes the node's heartbeat; false when the node is no longer alive (declared dead). */
  heartbeat(nodeId: string): Promise<boolean>;
  /** Graceful exit: status `stopped` (its running jobs, if any, are requeued by the detector). */
  stopNode(nodeId: string): Promise<void>;
  /** Marks alive nodes whose heartbeat is older than `timeoutMs` (store clock) as dead. */
  markDeadNodes(timeoutMs: number): Promise<NodeRow[]>;
  /** Declares one node dead at once (its local process is known to be gone); false if not alive. */
  declareNodeDead(nodeId: string): Promise<boolean>;
  /**
   * Requeues every running job whose owner is not alive (crash count +1, reason `crash`), or
   * fails it when crashes exceed its maxCrashes. With a backup node the job is claimable by
   * others only after `backupGraceMs`.
   */
  requeueOrphanedJobs(backupGraceMs: number): Promise<RequeuedJob[]>;
  getNode(nodeId: string): Promise<NodeRow | null>;
  listNodes(): Promise<NodeRow[]>;

  // --- jobs ---------------------------------------------------------------------------------
  /** Inserts a queued job; an existing id of the same task is returned unchanged (idempotent). */
  submitJob(job: SubmitJobInput): Promise<{ job: JobRow; created: boolean }>;
  getJob(jobId: string): Promise<JobRow | null>;
  /** Newest first (created_at, id); `before` continues a page after its last row (keyset). */
  listJobs(filter: JobFilter): Promise<JobRow[]>;
  /** Number of jobs in each status (statuses with none are absent). */
  countJobs(): Promise<Partial<Record<JobStatus, number>>>;
  /** Claims up to `limit` due queued jobs (priority, run time, submission order): epoch+1, attempt+1. */
  claimJobs(req: ClaimRequest): Promise<JobRow[]>;
  /**
   * Claims one known job if its epoch is still `expectedEpoch` and its status is one of
   * `fromStatuses` (compare-and-set). Used by executeResumable. Null when the row changed.
   */
  claimJobAt(
    jobId: string,
    expectedEpoch: number,
    fromStatuses: readonly JobStatus[],
    node: { nodeId: string; nodeLabel: string },
  ): Promise<JobRow | null>;
  /** Fenced: records progress and current step without a checkpoint. */
  reportProgress(fence: Fence, progress: number, currentStep: string | null): Promise<void>;
  /** Fenced: status completed with its result; deletes checkpoints and chunks unless keepCheckpoints. */
  completeJob(fence: Fence, result: Uint8Array, keepCheckpoints: boolean): Promise<void>;
  /** Fenced: error counted; requeued at retryAt, or failed for good. */
  failJob(fence: Fence, fail: FailInput): Promise<void>;
  /** Fenced: back to queued with the epoch kept, so another node resumes at once. */
  releaseJob(fence: Fence): Promise<void>;
  /** Queued or running → cancelled. Returns the row, or null if it was already finished. */
  cancelJob(jobId: string): Promise<JobRow | null>;
  /** Failed or cancelled → queued with fresh error and crash counts. Null if not in such a state. */
  retryJob(jobId: string): Promise<JobRow | null>;
  /** Ids among `jobIds` that are no longer running under the given epochs (cancelled, taken over). */
  findRevokedLeases(fences: readonly Fence[]): Promise<string[]>;
  /** Deletes finished jobs (completed, failed, cancelled) finished before `before`, with everything they own. */
  deleteFinishedJobs(before: number): Promise<number>;

  // --- checkpoints --------------------------------------------------------------------------
  /** Writes chunks of a job in their own transaction(s); existing (job, hash) pairs are kept. */
  putChunks(jobId: string, chunks: ReadonlyArray<readonly [hash: string, data: Uint8Array]>): Promise<number>;
  /**
   * Fenced, one transaction: seq+1 on the job, insert inline chunks and the checkpoint row,
   * check every referenced chunk exists, prune past `keep` (and chunks no kept checkpoint
   * references), record a `checkpoint` event. Whole or nothing.
   */
  commitCheckpoint(fence: Fence, cp: CheckpointWrite): Promise<CommittedCheckpoint>;
  /** Newest first. */
  getCheckpoints(jobId: string, limit: number): Promise<CheckpointRow[]>;
  /** Newest first; all jobs when jobId is omitted. */
  listCheckpoints(jobId?: string, limit?: number): Promise<CheckpointSummary[]>;
  getChunks(jobId: string, hashes: readonly string[]): Promise<Map<string, Uint8Array>>;
  /** Deletes all checkpoints and chunks of a job (not fenced: an admin action). Returns rows deleted. */
  deleteCheckpoints(jobId: string): Promise<number>;

  // --- events -------------------------------------------------------------------------------
  appendEvent(event: NewJobEvent): Promise<void>;
  listEvents(jobId: string): Promise<JobEvent[]>;
  /** Events of every job at or after `since` (store clock), oldest first, optionally of some types. */
  listRecentEvents(q: { since: number; types?: readonly JobEventType[]; limit?: number }): Promise<JobEvent[]>;
}

export interface JobFilter {
  status?: JobStatus;
  task?: string;
  /** Label of the node running (or that last ran) the job. */
  node?: string;
  limit?: number;
  before?: { createdAt: number; id: string };
}

export interface NewJobEvent {
  jobId: string;
  type: JobEventType;
  nodeId?: string | null;
  attempt?: number | null;
  epoch?: number | null;
  data?: Record<string, unknown> | null;
}
