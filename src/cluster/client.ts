/**
 * Client: submits jobs and reads the cluster's state from the store. It holds no lease and
 * runs nothing; every method is one or two store calls.
 */
import { randomUUID } from 'node:crypto';
import { encodeValue } from '../checkpoint/codec/index.js';
import { BatonError, ErrorCode } from '../errors.js';
import { validateJobId } from '../execution/job-id.js';
import { validateName } from '../names.js';
import { defaultStoreUrl, openStore, type StoreLike } from '../store/open-store.js';
import type { CheckpointSummary, JobEvent, JobStatus, NodeRow } from '../store/records.js';
import type { JobFilter, Store } from '../store/store.js';
import { isTaskDefinition, type TaskDefinition } from './define-task.js';
import { FINISHED, toJobInfo, type JobInfo } from './job-info.js';

export interface SubmitOptions {
  /** Idempotency: submitting an existing id returns it unchanged. @defaultValue a random UUID */
  jobId?: string;
  /** Runs that may end in an error. @defaultValue the serving task's maxAttempts, else 3 */
  maxAttempts?: number;
  /** Times the job may crash its node before it fails. @defaultValue 3 */
  maxCrashes?: number;
  /** Higher runs first. @defaultValue 0 */
  priority?: number;
  /** Not before this time. */
  runAt?: Date | number;
  /** Label of a node that gets first claim when this job is taken over. */
  backupNode?: string;
  /** Abort a run after this long, ms. */
  timeoutMs?: number;
}

export class Client {
  private readonly storePromise: Promise<Store>;
  private readonly ownsStore: boolean;

  constructor(options: { store?: StoreLike } = {}) {
    const spec = options.store ?? defaultStoreUrl();
    this.ownsStore = typeof spec === 'string';
    this.storePromise = openStore(spec);
    this.storePromise.catch(() => undefined); // surfaced by the first call instead
  }

  store(): Promise<Store> {
    return this.storePromise;
  }

  async submit<I>(task: TaskDefinition<I> | string, input?: I, o: SubmitOptions = {}): Promise<{ jobId: string; created: boolean }> {
    const def = isTaskDefinition(task) ? task : null;
    const name = def?.name ?? (task as string);
    validateName('task name', name);
    const jobId = o.jobId ?? randomUUID();
    validateJobId(jobId);
    const runAt = o.runAt === undefined ? null : o.runAt instanceof Date ? o.runAt.getTime() : o.runAt;
    const store = await this.storePromise;
    const { created } = await store.submitJob({
      id: jobId,
      task: name,
      taskVersion: def?.version ?? null,
      input: encodeValue(input, 'input'),
      priority: o.priority ?? 0,
      runAt,
      // Left null when unknown here (a task given by name): the worker applies its task's default.
      maxAttempts: o.maxAttempts ?? def?.maxAttempts ?? null,
      maxCrashes: o.maxCrashes ?? 3,
      backupNode: o.backupNode ?? null,
      timeoutMs: o.timeoutMs ?? def?.timeoutMs ?? null,
    });
    return { jobId, created };
  }

  async getJob(jobId: string): Promise<JobInfo | null> {
    const row = await (await this.storePromise).getJob(jobId);
    return row === null ? null : toJobInfo(row);
  }

  /** Resolves when the job is completed, failed or cancelled; TIMEOUT after timeoutMs. */
  async waitForJob(jobId: string, o: { timeoutMs?: number; pollMs?: number } = {}): Promise<JobInfo> {
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    for (;;) {
      const job = await this.getJob(jobId);
      if (job === null) throw new BatonError(ErrorCode.JOB_NOT_FOUND, `no job "${jobId}": check the id and the store`, { jobId });
      if (FINISHED.has(job.status)) return job;
      if (Date.now() > deadline) {
        throw new BatonError(ErrorCode.TIMEOUT, `job "${jobId}" is still ${job.status} after ${o.timeoutMs ?? 60_000} ms`, { jobId });
      }
      await new Promise((r) => setTimeout(r, o.pollMs ?? 50));
    }
  }

  async listJobs(filter: JobFilter = {}): Promise<JobInfo[]> {
    const store = await this.storePromise;
    const [rows, nodes] = await Promise.all([store.listJobs(filter), store.listNodes()]);
    const served = new Set(nodes.filter((n) => n.status === 'alive').flatMap((n) => n.tasks));
    return rows.map((r) => ({ ...toJobInfo(r), ...(r.status === 'queued' ? { unserved: !served.has(r.task) } : {}) }));
  }

  /** Cancels a queued or running job (a running one is aborted through ctx.signal). */
  async cancel(jobId: string): Promise<JobInfo> {
    const store = await this.storePromise;
    const row = await store.cancelJob(jobId);
    if (row !== null) return toJobInfo(row);
    throw await refusal(store, jobId, (status) => `job "${jobId}" is already ${status}: nothing to cancel`);
  }

  /** Queues a failed or cancelled job again; it resumes from its latest checkpoint. */
  async retry(jobId: string): Promise<JobInfo> {
    const store = await this.storePromise;
    const row = await store.retryJob(jobId);
    if (row !== null) return toJobInfo(row);
    throw await refusal(store, jobId, (status) => `job "${jobId}" is ${status}: only failed or cancelled jobs can be retried`);
  }

  async listNodes(): Promise<Array<NodeRow & { alive: boolean }>> {
    const nodes = await (await this.storePromise).listNodes();
    return nodes.map((n) => ({ ...n, alive: n.status === 'alive' }));
  }

  async listCheckpoints(jobId: string): Promise<CheckpointSummary[]> {
    return (await this.storePromise).listCheckpoints(jobId);
  }

  async getJobEvents(jobId: string): Promise<JobEvent[]> {
    return (await this.storePromise).listEvents(jobId);
  }

  async close(): Promise<void> {
    if (this.ownsStore) await (await this.storePromise).close();
  }
}

/** Why a state change did nothing: the job does not exist, or its status does not allow it. */
async function refusal(store: Store, jobId: string, why: (status: JobStatus) => string): Promise<BatonError> {
  const job = await store.getJob(jobId);
  if (job === null) return new BatonError(ErrorCode.JOB_NOT_FOUND, `no job "${jobId}": check the id and the store`, { jobId });
  return new BatonError(ErrorCode.INVALID_STATE, why(job.status), { jobId });
}
