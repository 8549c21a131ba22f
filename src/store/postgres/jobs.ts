/** Job rows: submission, reads and the administrative transitions (cancel, retry, delete). */
import { BatonError, ErrorCode } from '../../errors.js';
import type { JobRow, JobStatus } from '../records.js';
import { toJobRow } from '../row-mappers.js';
import type { Fence, JobFilter, SubmitJobInput } from '../store.js';
import { EVENT_COLUMNS } from './events.js';
import type { Sql } from './pool.js';
import { NOW_MS, notifyIf } from './schema.js';

export async function getJob(sql: Sql, jobId: string): Promise<JobRow | null> {
  const rows = await sql.query('SELECT * FROM baton_jobs WHERE id = $1', [jobId]);
  return rows.length === 0 ? null : toJobRow(rows[0]);
}

/**
 * Insert, `submitted` event and wake-up in one statement; an existing id comes back from the
 * second branch. A row inserted by a concurrent submit is invisible to this statement's
 * snapshot, so zero rows means "try again" (the next statement sees it).
 */
const SUBMIT = `
WITH ins AS (
  INSERT INTO baton_jobs (id, task, task_version, status, priority, run_at, created_at, updated_at,
    max_attempts, max_crashes, backup_node, input, timeout_ms)
  VALUES ($1, $2, $3, 'queued', $4, coalesce($5, ${NOW_MS}), ${NOW_MS}, ${NOW_MS}, $6, $7, $8, $9, $10)
  ON CONFLICT (id) DO NOTHING RETURNING *),
ev AS (
  INSERT INTO baton_events ${EVENT_COLUMNS}
  SELECT id, 'submitted', ${NOW_MS}, NULL, NULL, NULL, jsonb_build_object('task', task) FROM ins),
due AS (SELECT 1 FROM ins WHERE run_at <= ${NOW_MS})
SELECT true AS created, ins.*, ${notifyIf('due')} FROM ins
UNION ALL
SELECT false, j.*, 0 FROM baton_jobs j WHERE j.id = $1 AND NOT EXISTS (SELECT 1 FROM ins)`;

export async function submitJob(sql: Sql, j: SubmitJobInput): Promise<{ job: JobRow; created: boolean }> {
  for (let tries = 1; ; tries++) {
    const rows = await sql.query(
      SUBMIT,
      [j.id, j.task, j.taskVersion, j.priority, j.runAt, j.maxAttempts, j.maxCrashes, j.backupNode, j.input, j.timeoutMs],
      'baton_submit',
    );
    if (rows.length === 0) {
      if (tries < 10) continue;
      throw new BatonError(ErrorCode.STORE_UNAVAILABLE, `job "${j.id}" is being submitted and deleted concurrently: retry`, { jobId: j.id, retryable: true });
    }
    const job = toJobRow(rows[0]);
    if (job.task !== j.task) {
      throw new BatonError(
        ErrorCode.JOB_CONFLICT,
        `job id "${j.id}" already belongs to task "${job.task}", not "${j.task}": choose another job id`,
        { jobId: j.id },
      );
    }
    return { job, created: rows[0].created === true };
  }
}

export async function listJobs(sql: Sql, f: JobFilter): Promise<JobRow[]> {
  const rows = await sql.query(
    `SELECT * FROM baton_jobs WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR task = $2)
       AND ($4::text IS NULL OR owner_label = $4)
       AND ($5::bigint IS NULL OR (created_at, id) < ($5::bigint, $6::text))
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [f.status ?? null, f.task ?? null, f.limit ?? 100, f.node ?? null, f.before?.createdAt ?? null, f.before?.id ?? null],
  );
  return rows.map(toJobRow);
}

export async function countJobs(sql: Sql): Promise<Partial<Record<JobStatus, number>>> {
  const rows = await sql.query('SELECT status, count(*)::int AS n FROM baton_jobs GROUP BY status', []);
  return Object.fromEntries(rows.map((r) => [r.status as JobStatus, Number(r.n)]));
}

export async function cancelJob(sql: Sql, jobId: string): Promise<JobRow | null> {
  const rows = await sql.query(
    `WITH c AS (
       UPDATE baton_jobs SET status = 'cancelled', finished_at = ${NOW_MS}, updated_at = ${NOW_MS}, owner_node = NULL
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING *),
     ev AS (INSERT INTO baton_events ${EVENT_COLUMNS} SELECT id, 'cancelled', ${NOW_MS}, NULL, attempt, lease_epoch, NULL FROM c)
     SELECT * FROM c`,
    [jobId],
  );
  return rows.length === 0 ? null : toJobRow(rows[0]);
}

export async function retryJob(sql: Sql, jobId: string): Promise<JobRow | null> {
  const rows = await sql.query(
    `WITH r AS (
       UPDATE baton_jobs SET status = 'queued', error_count = 0, crash_count = 0, run_at = ${NOW_MS},
         updated_at = ${NOW_MS}, finished_at = NULL, requeue_reason = 'manual'
       WHERE id = $1 AND status IN ('failed', 'cancelled') RETURNING *),
     ev AS (INSERT INTO baton_events ${EVENT_COLUMNS}
       SELECT id, 'retry', ${NOW_MS}, NULL, attempt, lease_epoch, '{"manual":true}'::jsonb FROM r)
     SELECT r.*, ${notifyIf('r')} FROM r`,
    [jobId],
  );
  return rows.length === 0 ? null : toJobRow(rows[0]);
}

export async function findRevokedLeases(sql: Sql, fences: readonly Fence[]): Promise<string[]> {
  if (fences.length === 0) return [];
  const rows = await sql.query(
    `SELECT f.id FROM unnest($1::text[], $2::bigint[]) AS f(id, epoch)
     LEFT JOIN baton_jobs j ON j.id = f.id AND j.lease_epoch = f.epoch AND j.status = 'running'
     WHERE j.id IS NULL`,
    [fences.map((f) => f.jobId), fences.map((f) => f.epoch)],
  );
  const revoked = new Set(rows.map((r) => String(r.id)));
  return fences.filter((f) => revoked.has(f.jobId)).map((f) => f.jobId);
}

/** Finished jobs with everything they own, in one statement. */
export async function deleteFinishedJobs(sql: Sql, before: number): Promise<number> {
  const rows = await sql.query(
    `WITH doomed AS (
       DELETE FROM baton_jobs WHERE status IN ('completed', 'failed', 'cancelled') AND finished_at < $1 RETURNING id),
     e AS (DELETE FROM baton_events WHERE job_id IN (SELECT id FROM doomed)),
     c AS (DELETE FROM baton_checkpoints WHERE job_id IN (SELECT id FROM doomed)),
     k AS (DELETE FROM baton_chunks WHERE job_id IN (SELECT id FROM doomed))
     SELECT count(*) AS n FROM doomed`,
    [before],
  );
  return Number(rows[0].n);
}
