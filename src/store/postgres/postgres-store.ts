/**
 * The cluster store: many processes on many machines share one PostgreSQL database. Every
 * write is one autocommit statement (fence first, events and notifications in data-modifying
 * CTEs), so the hot paths cost one round trip. Driver errors become STORE_UNAVAILABLE naming
 * host:port/database; a write whose reply was lost is read back before anything is concluded.
 */
import { randomUUID } from 'node:crypto';
import { BatonError, ErrorCode } from '../../errors.js';
import type { JobEventType, JobRow, JobStatus, NodeRegistration } from '../records.js';
import type {
  CheckpointWrite,
  ClaimRequest,
  CommittedCheckpoint,
  FailInput,
  Fence,
  JobFilter,
  NewJobEvent,
  Store,
  StoreCapabilities,
  SubmitJobInput,
} from '../store.js';
import * as cp from './checkpoints.js';
import * as claims from './claims.js';
import * as events from './events.js';
import * as writes from './job-writes.js';
import * as jobs from './jobs.js';
import { WorkListener } from './listener.js';
import { migrate } from './migrate.js';
import * as nodes from './nodes.js';
import { storeError, Unanswered } from './pg-errors.js';
import { clientConfig, describeUrl, PgDb, safeUrl, type PgOptions, type Sql } from './pool.js';
import { NOW_MS } from './schema.js';

export interface PostgresStoreOptions extends PgOptions {
  /** How often waiting workers poll as a backstop for lost notifications, in ms. @defaultValue 2000 */
  pollIntervalMs?: number;
}

/** How a write whose reply was lost is settled: read back (value, or null = still unknown) or run again. */
type Recover<T> = (sql: Sql) => Promise<T | null>;

export class PostgresStore implements Store {
  readonly url: string;
  readonly capabilities: StoreCapabilities;
  /** host:port/database, for messages. */
  private readonly target: string;
  private readonly db: PgDb;
  private readonly listener: WorkListener;
  private migrated = false;
  private closing: Promise<void> | undefined;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.target = describeUrl(url);
    this.url = safeUrl(url);
    this.capabilities = Object.freeze({ crossProcess: true, notifications: true, pollIntervalMs: options.pollIntervalMs ?? 2000 });
    this.db = new PgDb(url, options);
    this.listener = new WorkListener(clientConfig(url));
  }

  /**
   * Runs one store operation. When the connection dies after the statement was sent, `recover`
   * reads the write back on a fresh connection, once the server process that ran it has ended
   * (reads and idempotent writes simply run again); without it, or when it cannot tell, the
   * caller gets a retryable STORE_UNAVAILABLE.
   */
  private async run<T>(op: (sql: Sql) => Promise<T>, recover?: Recover<T> | 'again'): Promise<T> {
    if (this.closing !== undefined) {
      throw new BatonError(ErrorCode.STORE_UNAVAILABLE, `Postgres store ${this.target} is closed: open a new store`);
    }
    try {
      return await op(this.db);
    } catch (err) {
      if (!(err instanceof Unanswered) || recover === undefined) throw storeError(err, this.target);
      // A restart kills every pooled connection at once: a few fresh ones may be needed.
      for (let attempt = 1; ; attempt++) {
        let settled: T | null;
        try {
          if (recover === 'again') return await op(this.db);
          if (err.backendPid !== undefined && !(await this.db.settle(err.backendPid))) throw storeError(err, this.target);
          settled = await recover(this.db);
        } catch (again) {
          if (again instanceof Unanswered && attempt < 3) continue;
          throw storeError(again, this.target);
        }
        if (settled !== null) return settled;
        throw storeError(err, this.target); // not committed (settled), so a retry is safe
      }
    }
  }

  migrate(): Promise<void> {
    if (this.migrated) return Promise.resolve();
    return this.run(async () => {
      await migrate(this.db);
      this.migrated = true;
    }, 'again');
  }
  async now(): Promise<number> {
    return this.run(async (sql) => Number((await sql.query(`SELECT ${NOW_MS} AS now`))[0].now), 'again');
  }
  close(): Promise<void> {
    this.closing ??= Promise.all([this.listener.stop(), this.db.end().catch(() => {})]).then(() => {});
    return this.closing;
  }
  watchWork(listener: () => void): () => void {
    return this.listener.subscribe(listener);
  }

  registerNode(n: NodeRegistration) { return this.run((sql) => nodes.registerNode(sql, n), 'again'); }
  heartbeat(nodeId: string) { return this.run((sql) => nodes.heartbeat(sql, nodeId), 'again'); }
  stopNode(nodeId: string) { return this.run((sql) => nodes.stopNode(sql, nodeId), 'again'); }
  markDeadNodes(timeoutMs: number) { return this.run((sql) => nodes.markDeadNodes(sql, timeoutMs)); }
  declareNodeDead(nodeId: string) { return this.run((sql) => nodes.declareNodeDead(sql, nodeId)); }
  requeueOrphanedJobs(graceMs: number) { return this.run((sql) => writes.requeueOrphanedJobs(sql, graceMs)); }
  getNode(nodeId: string) { return this.run((sql) => nodes.getNode(sql, nodeId), 'again'); }
  listNodes() { return this.run((sql) => nodes.listNodes(sql), 'again'); }

  submitJob(j: SubmitJobInput) { return this.run((sql) => jobs.submitJob(sql, j), 'again'); }
  getJob(jobId: string) { return this.run((sql) => jobs.getJob(sql, jobId), 'again'); }
  listJobs(f: JobFilter) { return this.run((sql) => jobs.listJobs(sql, f), 'again'); }
  countJobs() { return this.run((sql) => jobs.countJobs(sql), 'again'); }
  claimJobs(req: ClaimRequest) {
    const token = randomUUID();
    return this.run((sql) => claims.claimJobs(sql, req, token), (sql) => claims.readBackClaim(sql, token));
  }
  claimJobAt(jobId: string, epoch: number, from: readonly JobStatus[], node: { nodeId: string; nodeLabel: string }): Promise<JobRow | null> {
    const token = randomUUID();
    return this.run(
      (sql) => claims.claimJobAt(sql, jobId, epoch, from, node, token),
      async (sql) => (await claims.readBackClaim(sql, token))[0] ?? null,
    );
  }
  reportProgress(f: Fence, progress: number, step: string | null) { return this.run((sql) => writes.reportProgress(sql, f, progress, step), 'again'); }
  completeJob(f: Fence, result: Uint8Array, keep: boolean) {
    return this.run((sql) => writes.completeJob(sql, f, result, keep), (sql) => this.landed(sql, f, 'completed'));
  }
  failJob(f: Fence, fail: FailInput) {
    const type = fail.retryAt === null ? 'failed' : 'retry';
    return this.run((sql) => writes.failJob(sql, f, fail), (sql) => this.landed(sql, f, type));
  }
  releaseJob(f: Fence) { return this.run((sql) => writes.releaseJob(sql, f), (sql) => this.landed(sql, f, 'released')); }
  cancelJob(jobId: string) { return this.run((sql) => jobs.cancelJob(sql, jobId)); }
  retryJob(jobId: string) { return this.run((sql) => jobs.retryJob(sql, jobId)); }
  findRevokedLeases(fences: readonly Fence[]) { return this.run((sql) => jobs.findRevokedLeases(sql, fences), 'again'); }
  deleteFinishedJobs(before: number) { return this.run((sql) => jobs.deleteFinishedJobs(sql, before)); }

  putChunks(jobId: string, chunks: CheckpointWrite['inlineChunks']) { return this.run((sql) => cp.putChunks(sql, jobId, chunks), 'again'); }
  commitCheckpoint(f: Fence, w: CheckpointWrite): Promise<CommittedCheckpoint> {
    return this.run((sql) => cp.commitCheckpoint(sql, f, w), (sql) => cp.readBackCheckpoint(sql, f, w.checksum));
  }
  getCheckpoints(jobId: string, limit: number) { return this.run((sql) => cp.getCheckpoints(sql, jobId, limit), 'again'); }
  listCheckpoints(jobId?: string, limit = 1000) { return this.run((sql) => cp.listCheckpoints(sql, jobId, limit), 'again'); }
  getChunks(jobId: string, hashes: readonly string[]) { return this.run((sql) => cp.getChunks(sql, jobId, hashes), 'again'); }
  deleteCheckpoints(jobId: string) { return this.run((sql) => cp.deleteCheckpoints(sql, jobId), 'again'); }

  appendEvent(e: NewJobEvent) { return this.run((sql) => events.appendEvent(sql, e)); }
  listEvents(jobId: string) { return this.run((sql) => events.listEvents(sql, jobId), 'again'); }
  listRecentEvents(q: { since: number; types?: readonly JobEventType[]; limit?: number }) { return this.run((sql) => events.listRecentEvents(sql, q), 'again'); }

  private async landed(sql: Sql, fence: Fence, type: Parameters<typeof writes.fencedWriteLanded>[2]): Promise<void | null> {
    return (await writes.fencedWriteLanded(sql, fence, type)) ? undefined : null;
  }
}
