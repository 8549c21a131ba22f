/**
 * How executeResumable takes hold of one named job: create it if new, claim it if queued,
 * take it over if its holder is dead (by heartbeat age on the store clock, or at once when the
 * holder ran on this host and its process is gone), refuse it if a live holder has it.
 * Every claim is a compare-and-set on the epoch just read, so two racing runs cannot both win.
 */
import { BatonError, ErrorCode } from '../errors.js';
import { isLocalProcessGone, isThisHost } from '../cluster/node-identity.js';
import type { JobRow } from '../store/records.js';
import type { Store, SubmitJobInput } from '../store/store.js';

export interface AcquireInput {
  job: SubmitJobInput;
  /** Whether the task name was given explicitly (then a different existing task is a conflict). */
  strictTask: boolean;
  node: { nodeId: string; nodeLabel: string };
  heartbeatTimeoutMs: number;
  rerun: boolean;
}

export type Acquired = { kind: 'claimed'; job: JobRow } | { kind: 'completed'; job: JobRow };

export async function acquireJob(store: Store, a: AcquireInput): Promise<Acquired> {
  const id = a.job.id;
  for (let round = 0; round < 10; round++) {
    const job = await store.getJob(id);
    if (job === null) {
      await store.submitJob(a.job);
      continue;
    }
    if (a.strictTask && job.task !== a.job.task) {
      throw new BatonError(ErrorCode.JOB_CONFLICT, `job "${id}" belongs to task "${job.task}", not "${a.job.task}": choose another job id`, { jobId: id });
    }
    let claimed: JobRow | null = null;
    switch (job.status) {
      case 'completed':
        return { kind: 'completed', job };
      case 'failed':
      case 'cancelled':
        if (!a.rerun) {
          throw new BatonError(
            job.status === 'failed' ? ErrorCode.JOB_FAILED : ErrorCode.JOB_CANCELLED,
            `job "${id}" is ${job.status}${job.error ? ` (${job.error.message})` : ''}: pass { rerun: true } to run it again from its latest checkpoint`,
            { jobId: id },
          );
        }
        await store.retryJob(id);
        continue;
      case 'queued':
        claimed = await store.claimJobAt(id, job.epoch, ['queued'], a.node);
        break;
      case 'running':
        if (!(await holderIsDead(store, job, a.heartbeatTimeoutMs))) {
          throw new BatonError(
            ErrorCode.JOB_LEASED,
            `job "${id}" is running on node ${job.ownerLabel ?? '?'}, which is alive: wait for it, or cancel it first`,
            { jobId: id, nodeId: job.ownerLabel ?? undefined },
          );
        }
        claimed = await store.claimJobAt(id, job.epoch, ['running'], a.node);
        break;
    }
    if (claimed !== null) return { kind: 'claimed', job: claimed };
  }
  throw new BatonError(ErrorCode.JOB_LEASED, `job "${id}" kept changing hands while claiming it: another process is racing for it`, { jobId: id });
}

async function holderIsDead(store: Store, job: JobRow, timeoutMs: number): Promise<boolean> {
  if (job.ownerNode === null) return true;
  const owner = await store.getNode(job.ownerNode);
  if (owner === null || owner.status !== 'alive') return true;
  const gone = owner.heartbeatAgeMs > timeoutMs || (isThisHost(owner.host) && isLocalProcessGone(owner.pid, owner.pidStart));
  if (gone) await store.declareNodeDead(owner.id);
  return gone;
}
