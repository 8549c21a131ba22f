/**
 * Fenced job writes (invariant 1): each is one conditional UPDATE on (id, lease_epoch,
 * status = 'running'). Zero rows means the lease is lost: LEASE_LOST, and nothing changes.
 */
import { leaseLost } from '../../errors.js';
import type { JobRow } from '../records.js';
import { toJobRow } from '../row-mappers.js';
import type { FailInput, Fence } from '../store.js';
import { insertEvent } from './events.js';
import { NOW_MS } from './schema.js';
import type { Statements } from './statements.js';

export const FENCE_WHERE = `WHERE id = @jobId AND lease_epoch = @epoch AND status = 'running'`;

export function fencedUpdate(s: Statements, fence: Fence, set: string, params: Record<string, unknown> = {}): JobRow {
  const row = s
    .get(`UPDATE baton_jobs SET ${set}, updated_at = ${NOW_MS} ${FENCE_WHERE} RETURNING *`)
    .get({ ...params, jobId: fence.jobId, epoch: fence.epoch }) as Record<string, unknown> | undefined;
  if (row === undefined) throw leaseLost(fence.jobId, fence.epoch);
  return toJobRow(row);
}

export function reportProgress(s: Statements, fence: Fence, progress: number, currentStep: string | null): void {
  fencedUpdate(s, fence, 'progress = @progress, current_step = @step', { progress, step: currentStep });
}

export function deleteJobCheckpoints(s: Statements, jobId: string): number {
  s.get('DELETE FROM baton_chunks WHERE job_id = ?').run(jobId);
  return s.get('DELETE FROM baton_checkpoints WHERE job_id = ?').run(jobId).changes;
}

export function completeJob(s: Statements, fence: Fence, result: Uint8Array, keepCheckpoints: boolean): void {
  s.write(() => {
    const job = fencedUpdate(
      s,
      fence,
      `status = 'completed', result = @result, progress = 1, finished_at = ${NOW_MS}, owner_node = NULL`,
      { result },
    );
    if (!keepCheckpoints) deleteJobCheckpoints(s, fence.jobId);
    insertEvent(s, { jobId: job.id, type: 'completed', nodeId: job.ownerLabel, attempt: job.attempt, epoch: job.epoch });
  });
}

export function failJob(s: Statements, fence: Fence, fail: FailInput): void {
  s.write(() => {
    const error = JSON.stringify(fail.error);
    const job =
      fail.retryAt === null
        ? fencedUpdate(
            s,
            fence,
            `status = 'failed', error = @error, error_count = error_count + 1, finished_at = ${NOW_MS}, owner_node = NULL`,
            { error },
          )
        : fencedUpdate(
            s,
            fence,
            `status = 'queued', error = @error, error_count = error_count + 1, run_at = @retryAt,
             owner_node = NULL, last_owner_label = owner_label, requeue_reason = 'retry'`,
            { error, retryAt: fail.retryAt },
          );
    insertEvent(s, {
      jobId: job.id,
      type: fail.retryAt === null ? 'failed' : 'retry',
      nodeId: job.ownerLabel,
      attempt: job.attempt,
      epoch: job.epoch,
      data: { error: fail.error.message, code: fail.error.code ?? null, retryAt: fail.retryAt },
    });
  });
}

export function releaseJob(s: Statements, fence: Fence): void {
  s.write(() => {
    const job = fencedUpdate(
      s,
      fence,
      `status = 'queued', owner_node = NULL, last_owner_label = owner_label, requeue_reason = 'release', run_at = ${NOW_MS}`,
    );
    insertEvent(s, { jobId: job.id, type: 'released', nodeId: job.ownerLabel, attempt: job.attempt, epoch: job.epoch });
  });
}

/** Every running job whose owner is not alive: requeued (crash +1), or failed past maxCrashes. */
export function requeueOrphanedJobs(s: Statements, backupGraceMs: number) {
  // Every node runs this each interval: look without the write lock first (see claimJobs).
  const orphan = s
    .get(
      `SELECT 1 FROM baton_jobs WHERE status = 'running' AND NOT EXISTS (
         SELECT 1 FROM baton_nodes n WHERE n.id = baton_jobs.owner_node AND n.status = 'alive') LIMIT 1`,
    )
    .get();
  if (orphan === undefined) return [];
  return s.write(() => {
    const rows = s
      .get(
        `UPDATE baton_jobs SET
           crash_count = crash_count + 1,
           status = CASE WHEN crash_count + 1 >= max_crashes THEN 'failed' ELSE 'queued' END,
           finished_at = CASE WHEN crash_count + 1 >= max_crashes THEN ${NOW_MS} ELSE NULL END,
           error = CASE WHEN crash_count + 1 >= max_crashes THEN json_object('name', 'BatonError', 'code', 'CRASH_LIMIT',
             'message', 'the job''s node died ' || (crash_count + 1) || ' times while running it (maxCrashes ' || max_crashes ||
             '): it may be crashing its node; fix the task, then retry the job') ELSE error END,
           last_owner_label = owner_label, owner_node = NULL, requeue_reason = 'crash',
           run_at = ${NOW_MS} + CASE WHEN backup_node IS NULL THEN 0 ELSE ? END, updated_at = ${NOW_MS}
         WHERE status = 'running' AND NOT EXISTS (
           SELECT 1 FROM baton_nodes n WHERE n.id = baton_jobs.owner_node AND n.status = 'alive')
         RETURNING *`,
      )
      .all(backupGraceMs) as Record<string, unknown>[];
    return rows.map(toJobRow).map((job) => {
      const failed = job.status === 'failed';
      insertEvent(s, {
        jobId: job.id,
        type: failed ? 'failed' : 'requeued',
        nodeId: job.lastOwnerLabel,
        attempt: job.attempt,
        epoch: job.epoch,
        data: failed ? { error: job.error?.message ?? null, code: 'CRASH_LIMIT' } : { reason: 'owner node dead', fromNode: job.lastOwnerLabel },
      });
      return { jobId: job.id, fromNode: job.lastOwnerLabel, failed };
    });
  });
}
