/**
 * The embedded store: one SQLite file shared by the processes of one machine (or, for
 * `memory:`, one process's private in-memory database with the very same SQL). Every write is
 * a synchronous BEGIN IMMEDIATE transaction that never spans an await; driver errors become
 * STORE_UNAVAILABLE naming the path.
 */
import type { JobEventType, JobRow, JobStatus, NodeRegistration } from '../records.js';
import type { CheckpointWrite, ClaimRequest, FailInput, Fence, JobFilter, NewJobEvent, Store, StoreCapabilities, SubmitJobInput } from '../store.js';
import * as cp from './checkpoints.js';
import { openDatabase, storeError, type Db, type SqliteOptions } from './connection.js';
import * as events from './events.js';
import * as writes from './job-writes.js';
import * as jobs from './jobs.js';
import { migrate } from './migrate.js';
import * as nodes from './nodes.js';
import { NOW_MS } from './schema.js';
import { GroupCommit } from './group-commit.js';
import { Statements } from './statements.js';

export interface SqliteStoreOptions extends SqliteOptions {
  /** How often idle workers poll for new work, in ms. @defaultValue 50 */
  pollIntervalMs?: number;
}

export class SqliteStore implements Store {
  readonly url: string;
  readonly capabilities: StoreCapabilities;
  private readonly db: Db;
  private readonly s: Statements;
  private readonly group: GroupCommit;
  private migrated = false;

  /** `path` is a file path, or ':memory:' for a private in-process store. */
  constructor(readonly path: string, options: SqliteStoreOptions = {}) {
    const memory = path === ':memory:';
    this.url = memory ? 'memory:' : `sqlite:${path}`;
    this.capabilities = Object.freeze({
      crossProcess: !memory,
      notifications: false,
      pollIntervalMs: options.pollIntervalMs ?? 50,
    });
    this.db = openDatabase(path, options);
    this.s = new Statements(this.db);
    this.group = new GroupCommit(this.s);
  }

  /** Writes of the hot path, batched per event-loop turn (group commit). */
  private grouped<T>(op: () => T): Promise<T> {
    return this.group.run(op).catch((err: unknown) => Promise.reject(storeError(err, this.url)));
  }

  /** Runs one store operation, mapping driver errors to coded ones. */
  private run<T>(op: () => T): Promise<T> {
    try {
      return Promise.resolve(op());
    } catch (err) {
      return Promise.reject(storeError(err, this.url));
    }
  }

  migrate(): Promise<void> {
    return this.run(() => {
      if (!this.migrated) migrate(this.db);
      this.migrated = true;
    });
  }
  now(): Promise<number> {
    return this.run(() => (this.s.get(`SELECT ${NOW_MS} AS now`).get() as { now: number }).now);
  }
  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  registerNode(n: NodeRegistration) { return this.run(() => nodes.registerNode(this.s, n)); }
  heartbeat(nodeId: string) { return this.run(() => nodes.heartbeat(this.s, nodeId)); }
  stopNode(nodeId: string) { return this.run(() => nodes.stopNode(this.s, nodeId)); }
  markDeadNodes(timeoutMs: number) { return this.run(() => nodes.markDeadNodes(this.s, timeoutMs)); }
  declareNodeDead(nodeId: string) { return this.run(() => nodes.declareNodeDead(this.s, nodeId)); }
  requeueOrphanedJobs(graceMs: number) { return this.run(() => writes.requeueOrphanedJobs(this.s, graceMs)); }
  getNode(nodeId: string) { return this.run(() => nodes.getNode(this.s, nodeId)); }
  listNodes() { return this.run(() => nodes.listNodes(this.s)); }

  submitJob(j: SubmitJobInput) { return this.run(() => jobs.submitJob(this.s, j)); }
  getJob(jobId: string) { return this.run(() => jobs.getJob(this.s, jobId)); }
  listJobs(f: JobFilter) { return this.run(() => jobs.listJobs(this.s, f)); }
  countJobs() { return this.run(() => jobs.countJobs(this.s)); }
  claimJobs(req: ClaimRequest) { return this.run(() => jobs.claimJobs(this.s, req)); }
  claimJobAt(jobId: string, epoch: number, from: readonly JobStatus[], node: { nodeId: string; nodeLabel: string }): Promise<JobRow | null> {
    return this.run(() => jobs.claimJobAt(this.s, jobId, epoch, from, node));
  }
  reportProgress(f: Fence, progress: number, step: string | null) { return this.run(() => writes.reportProgress(this.s, f, progress, step)); }
  completeJob(f: Fence, result: Uint8Array, keep: boolean) { return this.grouped(() => writes.completeJob(this.s, f, result, keep)); }
  failJob(f: Fence, fail: FailInput) { return this.run(() => writes.failJob(this.s, f, fail)); }
  releaseJob(f: Fence) { return this.run(() => writes.releaseJob(this.s, f)); }
  cancelJob(jobId: string) { return this.run(() => jobs.cancelJob(this.s, jobId)); }
  retryJob(jobId: string) { return this.run(() => jobs.retryJob(this.s, jobId)); }
  findRevokedLeases(fences: readonly Fence[]) { return this.run(() => jobs.findRevokedLeases(this.s, fences)); }
  deleteFinishedJobs(before: number) { return this.run(() => jobs.deleteFinishedJobs(this.s, before)); }

  putChunks(jobId: string, chunks: CheckpointWrite['inlineChunks']) { return this.run(() => cp.putChunks(this.s, jobId, chunks)); }
  commitCheckpoint(f: Fence, w: CheckpointWrite) { return this.grouped(() => cp.commitCheckpoint(this.s, f, w)); }
  getCheckpoints(jobId: string, limit: number) { return this.run(() => cp.getCheckpoints(this.s, jobId, limit)); }
  listCheckpoints(jobId?: string, limit = 1000) { return this.run(() => cp.listCheckpoints(this.s, jobId, limit)); }
  getChunks(jobId: string, hashes: readonly string[]) { return this.run(() => cp.getChunks(this.s, jobId, hashes)); }
  deleteCheckpoints(jobId: string) { return this.run(() => this.s.write(() => writes.deleteJobCheckpoints(this.s, jobId))); }

  appendEvent(e: NewJobEvent) { return this.run(() => events.insertEvent(this.s, e)); }
  listEvents(jobId: string) { return this.run(() => events.listEvents(this.s, jobId)); }
  listRecentEvents(q: { since: number; types?: readonly JobEventType[]; limit?: number }) { return this.run(() => events.listRecentEvents(this.s, q)); }
}
