/** Job rows: submission, reads, claims and the administrative transitions (cancel, retry). */
import { BatonError, ErrorCode } from '../../errors.js';
import type { JobRow, JobStatus } from '../records.js';
import { toJobRow } from '../row-mappers.js';
import type { ClaimRequest, Fence, JobFilter, SubmitJobInput } from '../store.js';
import { insertEvent } from './events.js';
import { NOW_MS } from './schema.js';
import type { Statements } from './statements.js';

type Row = Record<string, unknown>;

export function getJob(s: Statements, jobId: string): JobRow | null {
  const row = s.get('SELECT * FROM baton_jobs WHERE id = ?').get(jobId) as Row | undefined;
  return row === undefined ? null : toJobRow(row);
}

export function submitJob(s: Statements, j: SubmitJobInput): { job: JobRow; created: boolean } {
  return s.write(() => {
    const existing = getJob(s, j.id);
    if (existing !== null) {
      if (existing.task !== j.task) {
        throw new BatonError(
          ErrorCode.JOB_CONFLICT,
          `job id "${j.id}" already belongs to task "${existing.task}", not "${j.task}": choose another job id`,
          { jobId: j.id },
        );
      }
      return { job: existing, created: false };
    }
    const row = s
      .get(
        `INSERT INTO baton_jobs (id, task, task_version, status, priority, run_at, created_at, updated_at,
           max_attempts, max_crashes, backup_node, input, timeout_ms)
         VALUES (?, ?, ?, 'queued', ?, coalesce(?, ${NOW_MS}), ${NOW_MS}, ${NOW_MS}, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(j.id, j.task, j.taskVersion, j.priority, j.runAt, j.maxAttempts, j.maxCrashes, j.backupNode, j.input, j.timeoutMs) as Row;
    insertEvent(s, { jobId: j.id, type: 'submitted', data: { task: j.task } });
    return { job: toJobRow(row), created: true };
  });
}

export function listJobs(s: Statements, f: JobFilter): JobRow[] {
  const rows = s
    .get(
      `SELECT * FROM baton_jobs WHERE (@status IS NULL OR status = @status) AND (@task IS NULL OR task = @task)
         AND (@node IS NULL OR owner_label = @node)
         AND (@beforeAt IS NULL OR created_at < @beforeAt OR (created_at = @beforeAt AND id < @beforeId))
       ORDER BY created_at DESC, id DESC LIMIT @limit`,
    )
    .all({
      status: f.status ?? null,
      task: f.task ?? null,
      node: f.node ?? null,
      beforeAt: f.before?.createdAt ?? null,
      beforeId: f.before?.id ?? null,
      limit: f.limit ?? 100,
    }) as Row[];
  return rows.map(toJobRow);
}

export function countJobs(s: Statements): Partial<Record<JobStatus, number>> {
  const rows = s.get('SELECT status, count(*) AS n FROM baton_jobs GROUP BY status').all() as { status: JobStatus; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** A node declared dead must not claim (the next detector round would count a crash). */
const CLAIMER_ALIVE = `EXISTS (SELECT 1 FROM baton_nodes WHERE id = @nodeId AND status = 'alive')`;

const CLAIM_SET = `status = 'running', lease_epoch = lease_epoch + 1, attempt = attempt + 1,
  owner_node = @nodeId, owner_label = @nodeLabel, started_at = coalesce(started_at, ${NOW_MS}),
  updated_at = ${NOW_MS}, finished_at = NULL`;

/** Records `claimed`, or `takeover` when the job was requeued because its owner died. */
function recordClaim(s: Statements, job: JobRow, nodeLabel: string, nodeId: string): void {
  const takeover = job.requeueReason === 'crash';
  insertEvent(s, {
    jobId: job.id,
    type: takeover ? 'takeover' : 'claimed',
    nodeId: nodeLabel,
    attempt: job.attempt,
    epoch: job.epoch,
    data: takeover ? { fromNode: job.lastOwnerLabel, toNode: nodeLabel, incarnation: nodeId } : { incarnation: nodeId },
  });
}

/*
 * Both claim queries name the queue index: without statistics SQLite prefers the (status,
 * task) index and sorts the whole queue for every claim (14.5 ms at 100,000 queued jobs,
 * against 0.05 ms walking the queue index in claim order).
 */
export function claimJobs(s: Statements, req: ClaimRequest): JobRow[] {
  if (req.limit <= 0 || req.tasks.length === 0) return [];
  // Idle workers poll often: look first without the write lock, so an empty queue never
  // takes it (a process paused while holding it would stall every other node on the file).
  const due = s
    .get(
      `SELECT 1 FROM baton_jobs INDEXED BY baton_jobs_queue WHERE status = 'queued' AND task IN (SELECT value FROM json_each(@tasks))
       AND (run_at <= ${NOW_MS} OR (backup_node = @nodeLabel AND requeue_reason = 'crash')) LIMIT 1`,
    )
    .get({ tasks: JSON.stringify(req.tasks), nodeLabel: req.nodeLabel });
  if (due === undefined) return [];
  return s.write(() => {
    const rows = s
      .get(
        `UPDATE baton_jobs SET ${CLAIM_SET}
         WHERE rowid IN (
           SELECT rowid FROM baton_jobs INDEXED BY baton_jobs_queue
           WHERE status = 'queued' AND task IN (SELECT value FROM json_each(@tasks)) AND ${CLAIMER_ALIVE}
             AND (run_at <= ${NOW_MS} OR (backup_node = @nodeLabel AND requeue_reason = 'crash'))
           ORDER BY priority DESC, run_at, rowid LIMIT @limit)
         RETURNING *`,
      )
      .all({ nodeId: req.nodeId, nodeLabel: req.nodeLabel, tasks: JSON.stringify(req.tasks), limit: req.limit }) as Row[];
    const jobs = rows.map(toJobRow).sort((a, b) => b.priority - a.priority || a.runAt - b.runAt);
    for (const job of jobs) recordClaim(s, job, req.nodeLabel, req.nodeId);
    return jobs;
  });
}

export function claimJobAt(
  s: Statements,
  jobId: string,
  expectedEpoch: number,
  fromStatuses: readonly JobStatus[],
  node: { nodeId: string; nodeLabel: string },
): JobRow | null {
  return s.write(() => {
    const row = s
      .get(
        `UPDATE baton_jobs SET ${CLAIM_SET},
           crash_count = crash_count + CASE WHEN status = 'running' THEN 1 ELSE 0 END,
           requeue_reason = CASE WHEN status = 'running' THEN 'crash' ELSE requeue_reason END,
           last_owner_label = CASE WHEN status = 'running' THEN owner_label ELSE last_owner_label END
         WHERE id = @jobId AND lease_epoch = @epoch AND status IN (SELECT value FROM json_each(@statuses)) AND ${CLAIMER_ALIVE}
         RETURNING *`,
      )
      .get({ ...node, jobId, epoch: expectedEpoch, statuses: JSON.stringify(fromStatuses) }) as Row | undefined;
    if (row === undefined) return null;
    const job = toJobRow(row);
    recordClaim(s, job, node.nodeLabel, node.nodeId);
    return job;
  });
}

export function cancelJob(s: Statements, jobId: string): JobRow | null {
  return s.write(() => {
    const row = s
      .get(
        `UPDATE baton_jobs SET status = 'cancelled', finished_at = ${NOW_MS}, updated_at = ${NOW_MS}, owner_node = NULL
         WHERE id = ? AND status IN ('queued', 'running') RETURNING *`,
      )
      .get(jobId) as Row | undefined;
    if (row === undefined) return null;
    const job = toJobRow(row);
    insertEvent(s, { jobId, type: 'cancelled', attempt: job.attempt, epoch: job.epoch });
    return job;
  });
}

export function retryJob(s: Statements, jobId: string): JobRow | null {
  return s.write(() => {
    const row = s
      .get(
        `UPDATE baton_jobs SET status = 'queued', error_count = 0, crash_count = 0, run_at = ${NOW_MS},
           updated_at = ${NOW_MS}, finished_at = NULL, requeue_reason = 'manual'
         WHERE id = ? AND status IN ('failed', 'cancelled') RETURNING *`,
      )
      .get(jobId) as Row | undefined;
    if (row === undefined) return null;
    const job = toJobRow(row);
    insertEvent(s, { jobId, type: 'retry', attempt: job.attempt, epoch: job.epoch, data: { manual: true } });
    return job;
  });
}

export function findRevokedLeases(s: Statements, fences: readonly Fence[]): string[] {
  if (fences.length === 0) return [];
  const rows = s
    .get(`SELECT id, lease_epoch, status FROM baton_jobs WHERE id IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(fences.map((f) => f.jobId))) as { id: string; lease_epoch: number; status: string }[];
  const live = new Map(rows.map((r) => [r.id, r]));
  return fences
    .filter((f) => {
      const r = live.get(f.jobId);
      return r === undefined || r.status !== 'running' || r.lease_epoch !== f.epoch;
    })
    .map((f) => f.jobId);
}

export function deleteFinishedJobs(s: Statements, before: number): number {
  return s.write(() => {
    const where = `SELECT id FROM baton_jobs WHERE status IN ('completed', 'failed', 'cancelled') AND finished_at < ?`;
    s.get(`DELETE FROM baton_events WHERE job_id IN (${where})`).run(before);
    s.get(`DELETE FROM baton_checkpoints WHERE job_id IN (${where})`).run(before);
    s.get(`DELETE FROM baton_chunks WHERE job_id IN (${where})`).run(before);
    return s.get(`DELETE FROM baton_jobs WHERE id IN (${where})`).run(before).changes;
  });
}
