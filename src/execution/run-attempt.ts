/**
 * One attempt of a claimed job, shared by executeResumable and the Worker: restore the context
 * from the latest verified checkpoint (or start fresh), run the task, and record success.
 * Failures are returned, not recorded: the caller decides between retry and failure.
 */
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { CheckpointManager } from '../checkpoint/checkpoint-manager.js';
import { CheckpointWriter, type CommitResult } from '../checkpoint/checkpoint-writer.js';
import { decodeValue, encodeValue } from '../checkpoint/codec/index.js';
import type { Manifest } from '../checkpoint/manifest.js';
import { refOf, type PreparedSnapshot } from '../checkpoint/snapshot.js';
import { crashPoint, CrashPoint } from '../debug/crash-points.js';
import { BatonError, ErrorCode, isBatonError, leaseLost } from '../errors.js';
import type { JobRow } from '../store/records.js';
import { retryStoreCall } from '../store/retry.js';
import type { Fence, Store } from '../store/store.js';
import { ProgressReporter } from './progress-reporter.js';
import { ResumableContext } from './resumable-context.js';

export type TaskFunction<I = unknown, R = unknown> = (ctx: ResumableContext, input: I) => R | Promise<R>;

export interface AttemptInput {
  manager: CheckpointManager;
  job: JobRow;
  task: TaskFunction;
  nodeLabel: string;
  /** Aborts the run from outside (cancel, timeout, node stop, node declared dead). */
  signal?: AbortSignal;
  /** Overrides the attempt number the context reports. */
  attempt?: number;
  progressReportIntervalMs?: number;
  /** The node's local lease deadline (NodeSession.leaseValid). */
  leaseValid?(): boolean;
  /** A checkpoint committed: what it wrote, at which progress, and how long the job was blocked. */
  onCheckpoint?(commit: CommitResult, progress: number, costMs: number): void;
  onResume?(checkpoint: Checkpoint): void;
  onContext?(ctx: ResumableContext): void;
}

export type AttemptOutcome =
  | { kind: 'completed'; result: unknown; ctx: ResumableContext }
  | { kind: 'error'; error: unknown; ctx: ResumableContext | null }
  | { kind: 'lease-lost'; error: BatonError; ctx: ResumableContext | null };

export async function runAttempt(a: AttemptInput): Promise<AttemptOutcome> {
  const { manager, job } = a;
  const store = await manager.store();
  const fence: Fence = { jobId: job.id, epoch: job.epoch };
  const controller = new AbortController();
  const abortFromOutside = () => controller.abort(a.signal?.reason);
  a.signal?.addEventListener('abort', abortFromOutside, { once: true });
  if (a.signal?.aborted) abortFromOutside();
  let ctx: ResumableContext | null = null;
  const reporter = new ProgressReporter(store, fence, a.progressReportIntervalMs ?? 1000, (err) => controller.abort(err));
  try {
    // A job that never committed a checkpoint has none to read: spare a round trip per new job.
    const loaded = job.checkpointSeq === 0 ? null : await retryStoreCall(() => manager.loadLatest(job.id));
    const unstored: PreparedSnapshot = { manifest: null as never, newChunks: [], newBytes: 0, pending: new Set() };
    const base: Manifest = loaded?.manifest ?? { state: {}, results: {}, steps: {}, input: refOf(job.input, new Set(), unstored) };
    const inputData = loaded !== null ? loaded.checkpoint.inputData : decodeValue(job.input, 'inputData');
    const writer = new CheckpointWriter(store, fence, manager.options.keepCheckpoints, base, unstored.newChunks);
    manager.attach(job.id, writer);
    if (loaded !== null) {
      const cp = loaded.checkpoint;
      // The history shows where each attempt resumed (the dashboard's timeline reads it).
      await retryStoreCall(() =>
        store.appendEvent({ jobId: job.id, type: 'resumed', nodeId: a.nodeLabel, attempt: job.attempt, epoch: job.epoch, data: { seq: cp.seq, progress: cp.progress, completedSteps: cp.completedSteps } }),
      );
      a.onResume?.(cp);
    }
    ctx = new ResumableContext({
      fence,
      nodeLabel: a.nodeLabel,
      attempt: a.attempt ?? job.attempt,
      inputData,
      restored: loaded?.checkpoint ?? null,
      writer,
      options: manager.options,
      policy: manager.policyFor(job.id),
      signal: controller.signal,
      onLeaseLost: (err) => controller.abort(err),
      leaseValid: a.leaseValid,
      recheckLease: async () => {
        const [revoked] = await retryStoreCall(() => store.findRevokedLeases([fence]));
        if (revoked === undefined) return;
        const err = leaseLost(fence.jobId, fence.epoch);
        controller.abort(err);
        throw err;
      },
      onCheckpoint: a.onCheckpoint,
      onProgress: (p, step) => reporter.report(p, step),
    });
    a.onContext?.(ctx);
    const result = await a.task(ctx, inputData);
    controller.signal.throwIfAborted();
    const encoded = encodeValue(result, 'result');
    crashPoint(CrashPoint.BEFORE_COMPLETE);
    await retryStoreCall(() => store.completeJob(fence, encoded, manager.options.keepOnSuccess));
    return { kind: 'completed', result, ctx };
  } catch (error) {
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
    const lost = isBatonError(reason, ErrorCode.LEASE_LOST) ? reason : isBatonError(error, ErrorCode.LEASE_LOST) ? error : null;
    if (lost !== null) {
      await releaseIfStillHeld(store, fence);
      return { kind: 'lease-lost', error: lost, ctx };
    }
    return { kind: 'error', error: controller.signal.aborted && reason !== undefined ? reason : error, ctx };
  } finally {
    reporter.stop();
    manager.detach(job.id);
    a.signal?.removeEventListener('abort', abortFromOutside);
  }
}

/**
 * A run that stopped for a lost lease whose lease the store still grants (ctx.fence refused
 * during a heartbeat outage, a LEASE_LOST thrown by task code) would leave its job running
 * under a live node that no detector requeues: hand it back instead, so it resumes at once.
 */
async function releaseIfStillHeld(store: Store, fence: Fence): Promise<void> {
  try {
    const revoked = await retryStoreCall(() => store.findRevokedLeases([fence]));
    if (revoked.length === 0) await retryStoreCall(() => store.releaseJob(fence));
  } catch {
    // Lost after all, or the store is gone: the detector recovers the job if the node dies.
  }
}
