/**
 * ResumableTaskExecutor: runs one named job in this process, resuming it from its latest
 * checkpoint if an earlier run died. The run holds the job's lease (claimed like a Worker
 * does, epoch+1) and heartbeats while it runs, so a second concurrent run is refused
 * (JOB_LEASED) and a crashed run can be resumed by simply running the script again.
 */
import { CheckpointManager } from '../checkpoint/checkpoint-manager.js';
import { decodeValue, encodeValue } from '../checkpoint/codec/index.js';
import { NodeSession } from '../cluster/node-session.js';
import { BatonError, ErrorCode, isBatonError, toErrorInfo } from '../errors.js';
import { retryStoreCall } from '../store/retry.js';
import { acquireJob } from './acquire-job.js';
import { validateJobId } from './job-id.js';
import { runAttempt, type TaskFunction } from './run-attempt.js';

export interface ExecuteResumableOptions<I, R> {
  jobId: string;
  taskFunc: TaskFunction<I, R>;
  inputData?: I;
  /** Task name recorded on the job. @defaultValue 'resumable' */
  taskName?: string;
  /** Attempt number the context reports. @defaultValue the job's attempt count */
  attempt?: number;
  signal?: AbortSignal;
  /** Run a failed or cancelled job again (from its latest checkpoint). @defaultValue false */
  rerun?: boolean;
}

export interface ExecutorOptions {
  /** Heartbeat period of this process's node, ms. @defaultValue 1000 */
  heartbeatIntervalMs?: number;
  /** A holder silent this long (store clock) is dead and its job may be taken over, ms. @defaultValue 5000 */
  heartbeatTimeoutMs?: number;
}

export class ResumableTaskExecutor {
  private session: Promise<NodeSession> | null = null;
  private readonly running = new Map<string, AbortController>();
  private readonly heartbeatIntervalMs: number;
  private readonly heartbeatTimeoutMs: number;

  constructor(
    readonly checkpointManager: CheckpointManager = new CheckpointManager(),
    options: ExecutorOptions = {},
  ) {
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 5000;
  }

  async executeResumable<I = unknown, R = unknown>(o: ExecuteResumableOptions<I, R>): Promise<R> {
    validateJobId(o.jobId);
    const manager = this.checkpointManager;
    const store = await manager.store();
    const session = await this.node();
    const acquired = await acquireJob(store, {
      job: {
        id: o.jobId,
        task: o.taskName ?? 'resumable',
        taskVersion: null,
        input: encodeValue(o.inputData, 'inputData'),
        priority: 0,
        runAt: null,
        maxAttempts: 1,
        // A crashed run is resumed by running the script again; no limit short of absurd.
        maxCrashes: 1_000_000,
        backupNode: null,
        timeoutMs: null,
      },
      strictTask: o.taskName !== undefined,
      node: { nodeId: session.id, nodeLabel: session.label },
      heartbeatTimeoutMs: this.heartbeatTimeoutMs,
      rerun: o.rerun ?? false,
    });
    if (acquired.kind === 'completed') {
      manager.logger.info(`job "${o.jobId}" already completed: returning its stored result`);
      return decodeValue(acquired.job.result ?? new Uint8Array(), 'result') as R;
    }
    const job = acquired.job;
    const controller = new AbortController();
    this.running.set(job.id, controller);
    const onAbort = () => controller.abort(o.signal?.reason);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await runAttempt({
        manager,
        job,
        task: o.taskFunc as TaskFunction,
        nodeLabel: session.label,
        signal: controller.signal,
        leaseValid: () => session.leaseValid(),
        attempt: o.attempt,
        onResume: (cp) =>
          manager.logger.info(
            `resuming job "${job.id}" from checkpoint seq ${cp.seq} at ${(cp.progress * 100).toFixed(1)}%` +
              (cp.completedSteps.length > 0 ? `, steps already completed: ${cp.completedSteps.join(', ')}: skipping` : ''),
            { attempt: job.attempt, fromNode: cp.nodeId },
          ),
      });
      if (outcome.kind === 'completed') return outcome.result as R;
      if (outcome.kind === 'lease-lost') throw outcome.error;
      await retryStoreCall(() => store.failJob({ jobId: job.id, epoch: job.epoch }, { error: toErrorInfo(outcome.error), retryAt: null })).catch(
        (err: unknown) => {
          // A lost lease means another run owns the outcome now; anything else is worth raising.
          if (!isBatonError(err, ErrorCode.LEASE_LOST)) throw err;
        },
      );
      throw outcome.error;
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      this.running.delete(job.id);
    }
  }

  /** This process's node, registered on first use (concurrent callers share one). */
  private node(): Promise<NodeSession> {
    this.session ??= this.startNode();
    return this.session;
  }

  private async startNode(): Promise<NodeSession> {
    {
      const manager = this.checkpointManager;
      const store = await manager.store();
      const session = new NodeSession(store, {
        label: manager.nodeId,
        url: store.capabilities.crossProcess ? manager.storeUrl : null,
        unref: true,
        tasks: [],
        heartbeatIntervalMs: this.heartbeatIntervalMs,
        heartbeatTimeoutMs: this.heartbeatTimeoutMs,
        logger: manager.logger,
        onDeclaredDead: () => {
          for (const c of this.running.values()) c.abort(new BatonError(ErrorCode.LEASE_LOST, 'this node was declared dead by the cluster: its jobs were taken over'));
        },
      });
      await session.start();
      return session;
    }
  }

  /** Stops heartbeating, marks this node stopped and closes the store the manager opened. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (session !== null) await (await session).stop();
    await this.checkpointManager.close();
  }
}
