/**
 * Fenced job writes (invariant 1): each is ONE statement whose first act is the conditional
 * `UPDATE ... WHERE id AND lease_epoch AND status = 'running' RETURNING`, never a read then a
 * write; the event (and any delete) hang off its RETURNING in data-modifying CTEs. No row back
 * means the lease is lost: LEASE_LOST, and nothing changed.
 */
import { leaseLost } from '../../errors.js';
import { toJobRow } from '../row-mappers.js';
import type { FailInput, Fence, RequeuedJob } from '../store.js';
import { EVENT_COLUMNS } from './events.js';
import type { Sql } from './pool.js';
import { NOW_MS, notifyIf } from './schema.js';

/**
 * `UPDATE ... SET <set>` under the fence ($1 job, $2 epoch), then `extra` CTEs that may use
 * `f` (the updated row). Event type and data are $3 and $4; further parameters start at $5.
 */
function fenced(set: string, extra = '', tail = ''): string {
  return `
WITH f AS (
  UPDATE baton_jobs SET ${set}, updated_at = ${NOW_MS}
  WHERE id = $1 AND lease_epoch = $2 AND status = 'running' RETURNING id, owner_label, attempt, lease_epoch, run_at),
ev AS (
  INSERT INTO baton_events ${EVENT_COLUMNS}
  SELECT id, $3::text, ${NOW_MS}, owner_label, attempt, lease_epoch, $4::jsonb FROM f)${extra}
SELECT f.id${tail} FROM f`;
}

async function run(sql: Sql, fence: Fence, text: string, type: string, data: unknown, params: unknown[] = [], name?: string): Promise<void> {
  const rows = await sql.query(text, [fence.jobId, fence.epoch, type, data === null ? null : JSON.stringify(data), ...params], name);
  if (rows.length === 0) throw leaseLost(fence.jobId, fence.epoch);
}

const PROGRESS = `UPDATE baton_jobs SET progress = $3, current_step = $4, updated_at = ${NOW_MS}
  WHERE id = $1 AND lease_epoch = $2 AND status = 'running' RETURNING 1`;

export async function reportProgress(sql: Sql, fence: Fence, progress: number, currentStep: string | null): Promise<void> {
  const rows = await sql.query(PROGRESS, [fence.jobId, fence.epoch, progress, currentStep], 'baton_progress');
  if (rows.length === 0) throw leaseLost(fence.jobId, fence.epoch);
}

const COMPLETE = fenced(
  `status = 'completed', result = $5, progress = 1, finished_at = ${NOW_MS}, owner_node = NULL`,
  `,
c AS (DELETE FROM baton_checkpoints WHERE job_id = $1 AND NOT $6::boolean AND EXISTS (SELECT 1 FROM f)),
k AS (DELETE FROM baton_chunks WHERE job_id = $1 AND NOT $6::boolean AND EXISTS (SELECT 1 FROM f))`,
);

export async function completeJob(sql: Sql, fence: Fence, result: Uint8Array, keepCheckpoints: boolean): Promise<void> {
  await run(sql, fence, COMPLETE, 'completed', null, [result, keepCheckpoints], 'baton_complete');
}

const FAIL = fenced(`status = 'failed', error = $5, error_count = error_count + 1, finished_at = ${NOW_MS}, owner_node = NULL`);
const RETRY = fenced(
  `status = 'queued', error = $5, error_count = error_count + 1, run_at = $6,
   owner_node = NULL, last_owner_label = owner_label, requeue_reason = 'retry'`,
  `,
due AS (SELECT 1 FROM f WHERE run_at <= ${NOW_MS})`,
  `, ${notifyIf('due')}`,
);

export async function failJob(sql: Sql, fence: Fence, fail: FailInput): Promise<void> {
  const data = { error: fail.error.message, code: fail.error.code ?? null, retryAt: fail.retryAt };
  const error = JSON.stringify(fail.error);
  if (fail.retryAt === null) await run(sql, fence, FAIL, 'failed', data, [error]);
  else await run(sql, fence, RETRY, 'retry', data, [error, fail.retryAt]);
}

const RELEASE = fenced(
  `status = 'queued', owner_node = NULL, last_owner_label = owner_label, requeue_reason = 'release', run_at = ${NOW_MS}`,
  '',
  `, ${notifyIf('f')}`,
);

export async function releaseJob(sql: Sql, fence: Fence): Promise<void> {
  await run(sql, fence, RELEASE, 'released', null);
}

/**
 * After a fenced write's reply was lost: did it commit? Its event, recorded by the same
 * statement, says so (one `completed`, `failed`, `retry` or `released` per epoch). Not there:
 * LEASE_LOST if the job moved on, else false (not committed, or still in flight).
 */
export async function fencedWriteLanded(sql: Sql, fence: Fence, type: 'completed' | 'failed' | 'retry' | 'released'): Promise<boolean> {
  const [row] = await sql.query(
    `SELECT EXISTS (SELECT 1 FROM baton_events WHERE job_id = $1 AND epoch = $2 AND type = $3) AS landed,
       EXISTS (SELECT 1 FROM baton_jobs WHERE id = $1 AND lease_epoch = $2 AND status = 'running') AS held`,
    [fence.jobId, fence.epoch, type],
  );
  if (row.landed === true) return true;
  if (row.held !== true) throw leaseLost(fence.jobId, fence.epoch);
  return false;
}

/**
 * Every running job whose owner was declared dead or stopped: requeued (crash +1), or failed
 * past maxCrashes. One compare-and-set statement: a job completed or claimed meanwhile no longer
 * matches when Postgres re-checks the row. The owner must be seen dead, not merely absent: a node
 * registered after this statement's snapshot is invisible to it, yet alive.
 */
const REQUEUE = `
WITH r AS (
  UPDATE baton_jobs j SET
    crash_count = j.crash_count + 1,
    status = CASE WHEN j.crash_count + 1 >= j.max_crashes THEN 'failed' ELSE 'queued' END,
    finished_at = CASE WHEN j.crash_count + 1 >= j.max_crashes THEN ${NOW_MS} ELSE NULL END,
    error = CASE WHEN j.crash_count + 1 >= j.max_crashes THEN jsonb_build_object('name', 'BatonError', 'code', 'CRASH_LIMIT',
      'message', 'the job''s node died ' || (j.crash_count + 1) || ' times while running it (maxCrashes ' || j.max_crashes ||
      '): it may be crashing its node; fix the task, then retry the job') ELSE j.error END,
    last_owner_label = j.owner_label, owner_node = NULL, requeue_reason = 'crash',
    run_at = ${NOW_MS} + CASE WHEN j.backup_node IS NULL THEN 0 ELSE $1::bigint END, updated_at = ${NOW_MS}
  WHERE j.status = 'running' AND (j.owner_node IS NULL OR EXISTS (
    SELECT 1 FROM baton_nodes n WHERE n.id = j.owner_node AND n.status <> 'alive'))
  RETURNING j.*),
ev AS (
  INSERT INTO baton_events ${EVENT_COLUMNS}
  SELECT id, CASE WHEN status = 'failed' THEN 'failed' ELSE 'requeued' END, ${NOW_MS}, last_owner_label, attempt, lease_epoch,
    CASE WHEN status = 'failed' THEN jsonb_build_object('error', error->>'message', 'code', 'CRASH_LIMIT')
      ELSE jsonb_build_object('reason', 'owner node dead', 'fromNode', last_owner_label) END
  FROM r),
requeued AS (SELECT 1 FROM r WHERE status = 'queued')
SELECT r.*, ${notifyIf('requeued')} FROM r`;

export async function requeueOrphanedJobs(sql: Sql, backupGraceMs: number): Promise<RequeuedJob[]> {
  const rows = await sql.query(REQUEUE, [backupGraceMs]);
  return rows.map(toJobRow).map((job) => ({ jobId: job.id, fromNode: job.lastOwnerLabel, failed: job.status === 'failed' }));
}
