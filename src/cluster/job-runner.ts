/**
 * Runs the jobs a Worker claimed and records how each attempt ended: completed, retried with
 * backoff, failed for good, or discarded because the lease was lost.
 *
 * Be careful about what can throw here: every claimed job MUST end in a recorded outcome
 * (complete, fail, retry or release) or a lost lease, or it stays running until its node dies.
 */
import type { EventEmitter } from 'node:events';
import type { CheckpointManager } from '../checkpoint/checkpoint-manager.js';
import { BatonError, ErrorCode, toErrorInfo } from '../errors.js';
import type { ResumableContext } from '../execution/resumable-context.js';
import { runAttempt } from '../execution/run-attempt.js';
import type { JobRow } from '../store/records.js';
import { retryStoreCall } from '../store/retry.js';
import type { Fence, Store } from '../store/store.js';
import type { TaskDefinition } from './define-task.js';
import type { WorkerEvents } from './worker-events.js';
import { retryDelayMs, type NormalizedWorkerOptions } from './worker-options.js';

export interface RunningJob {
  jobId: string;
  fence: Fence;
  task: string;
  ctx: ResumableContext | null;
  controller: AbortController;
  handedOff: boolean;
  done: Promise<void>;
}

/** Attempts allowed when neither the submit nor the task says. */
const DEFAULT_MAX_ATTEMPTS = 3;

type Host = EventEmitter<WorkerEvents> & { readonly options: NormalizedWorkerOptions; leaseValid(): boolean };

export class JobRunner {
  private readonly jobs = new Map<string, RunningJob>();

  constructor(
    private readonly host: Host,
    private readonly store: Store,
    private readonly managerFor: (task: string) => CheckpointManager,
    private readonly onFinished: () => void,
  ) {}

  get running(): RunningJob[] {
    return [...this.jobs.values()];
  }

  start(job: JobRow, task: TaskDefinition): void {
    const entry: RunningJob = { jobId: job.id, fence: { jobId: job.id, epoch: job.epoch }, task: task.name, ctx: null, controller: new AbortController(), handedOff: false, done: Promise.resolve() };
    this.jobs.set(job.id, entry);
    const timeoutMs = job.timeoutMs ?? task.timeoutMs;
    const timer = timeoutMs
      ? setTimeout(() => entry.controller.abort(new BatonError(ErrorCode.TIMEOUT, `job "${job.id}" ran longer than its timeout of ${timeoutMs} ms`, { jobId: job.id })), timeoutMs)
      : null;
    entry.done = this.run(entry, job, task)
      .catch((err: unknown) => this.host.options.logger.error(`job ${job.id}: outcome could not be recorded`, { error: (err as Error).message }))
      .finally(() => {
        if (timer !== null) clearTimeout(timer);
        this.jobs.delete(job.id);
        this.onFinished();
      });
  }

  private async run(entry: RunningJob, job: JobRow, task: TaskDefinition): Promise<void> {
    const { host, store } = this;
    const label = host.options.nodeId;
    host.emit('job:claimed', { jobId: job.id, task: task.name, attempt: job.attempt, epoch: job.epoch });
    const outcome = await runAttempt({
      manager: this.managerFor(task.name),
      job,
      task: task.run as never,
      nodeLabel: label,
      signal: entry.controller.signal,
      leaseValid: () => host.leaseValid(),
      onContext: (ctx) => {
        entry.ctx = ctx;
        if (job.requeueReason === 'crash') {
          const cp = ctx.resumedFrom;
          host.options.logger.info(
            `taking over job ${job.id} from ${job.lastOwnerLabel ?? '?'}` +
              (cp ? `: resuming from checkpoint at ${(cp.progress * 100).toFixed(0)}%, steps ${cp.completedSteps.join(', ') || 'none'} already completed: skipping` : ': no checkpoint, restarting from zero'),
          );
          host.emit('job:takeover', { jobId: job.id, fromNode: job.lastOwnerLabel, toNode: label, checkpoint: cp });
        }
      },
      onCheckpoint: (commit, progress, costMs) =>
        host.emit('job:checkpoint', { jobId: job.id, seq: commit.seq, progress, sizeBytes: commit.sizeBytes, bytesWritten: commit.bytesWritten, costMs }),
    });
    if (outcome.kind === 'completed') {
      host.emit('job:completed', { jobId: job.id, result: outcome.result, attempt: job.attempt });
      return;
    }
    if (entry.handedOff) return; // released on stop: the next node resumes it
    if (outcome.kind === 'lease-lost') {
      host.emit('lease:lost', { jobId: job.id, epoch: job.epoch, error: outcome.error });
      return;
    }
    const errors = job.errorCount + 1;
    const maxAttempts = job.maxAttempts ?? task.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const willRetry = errors < maxAttempts;
    try {
      const retryAt = willRetry ? (await retryStoreCall(() => store.now())) + retryDelayMs(errors, host.options) : null;
      await retryStoreCall(() => store.failJob(entry.fence, { error: toErrorInfo(outcome.error), retryAt }));
    } catch (err) {
      if (err instanceof BatonError && err.code === ErrorCode.LEASE_LOST) {
        host.emit('lease:lost', { jobId: job.id, epoch: job.epoch, error: err });
        return;
      }
      throw err;
    }
    host.options.logger.warn(`job ${job.id} attempt ${job.attempt} failed${willRetry ? `; retrying (${errors}/${maxAttempts})` : ' for good'}`, { error: toErrorInfo(outcome.error).message });
    host.emit('job:failed', { jobId: job.id, error: outcome.error, attempt: job.attempt, willRetry });
  }

  /** Aborts runs whose lease is no longer theirs (cancelled, or taken over). */
  async abortRevoked(): Promise<void> {
    const entries = this.running;
    if (entries.length === 0) return;
    try {
      const revoked = new Set(await this.store.findRevokedLeases(entries.map((e) => e.fence)));
      for (const e of entries) {
        if (revoked.has(e.jobId)) e.controller.abort(new BatonError(ErrorCode.LEASE_LOST, `job "${e.jobId}" was cancelled or taken over: this run stops`, { jobId: e.jobId }));
      }
    } catch {
      // The store is unreachable: the next round asks again.
    }
  }

  abortAll(reason: BatonError): void {
    for (const e of this.jobs.values()) e.controller.abort(reason);
  }

  /** Final checkpoint and release of every running job, then stop them; waits up to timeoutMs. */
  async handOff(timeoutMs: number): Promise<void> {
    const entries = this.running;
    await Promise.all(
      entries.map(async (e) => {
        e.handedOff = true;
        try {
          await e.ctx?.checkpoint();
        } catch {
          // The last committed checkpoint still stands.
        }
        await this.store.releaseJob(e.fence).catch(() => undefined);
        e.controller.abort(new BatonError(ErrorCode.LEASE_LOST, `node ${this.host.options.nodeId} is stopping: job "${e.jobId}" was handed off`, { jobId: e.jobId }));
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(entries.map((e) => e.done)), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }
}
