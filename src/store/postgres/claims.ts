/**
 * Claims: one statement picks due jobs (SKIP LOCKED, so claimers never wait on each other),
 * bumps epoch and attempt, and records `claimed` or `takeover` events. Each claim stamps a
 * fresh `claim_token`, so a claim whose reply was lost can be read back rather than leave a job
 * running under a live node that does not know it holds it.
 */
import { randomUUID } from 'node:crypto';
import type { JobRow, JobStatus } from '../records.js';
import { toJobRow } from '../row-mappers.js';
import type { ClaimRequest } from '../store.js';
import { EVENT_COLUMNS } from './events.js';
import type { Sql } from './pool.js';
import { NOW_MS } from './schema.js';

const ORDER = 'priority DESC, run_at, submit_seq';

/** $1 node id, $2 node label, $3 claim token. */
const CLAIM_SET = `status = 'running', lease_epoch = j.lease_epoch + 1, attempt = j.attempt + 1,
  owner_node = $1, owner_label = $2, claim_token = $3, started_at = coalesce(j.started_at, ${NOW_MS}),
  updated_at = ${NOW_MS}, finished_at = NULL`;

/** `claimed`, or `takeover` when the job was requeued because its owner died (same data as SQLite). */
const RECORD_CLAIMS = `
INSERT INTO baton_events ${EVENT_COLUMNS}
SELECT id, CASE WHEN requeue_reason = 'crash' THEN 'takeover' ELSE 'claimed' END, ${NOW_MS}, $2::text, attempt, lease_epoch,
  CASE WHEN requeue_reason = 'crash'
    THEN jsonb_build_object('fromNode', last_owner_label, 'toNode', $2::text, 'incarnation', $1::text)
    ELSE jsonb_build_object('incarnation', $1::text) END
FROM claimed ORDER BY ${ORDER}`;

/**
 * A node declared dead (a zombie, or one whose heartbeat thread died) must not claim: the
 * next detector round would requeue the job as a crash and count it against maxCrashes.
 */
const CLAIMER_ALIVE = `EXISTS (SELECT 1 FROM baton_nodes WHERE id = $1 AND status = 'alive')`;

const CLAIM_JOBS = `
WITH next AS (
  SELECT id FROM baton_jobs
  WHERE status = 'queued' AND task = ANY($4::text[]) AND ${CLAIMER_ALIVE}
    AND (run_at <= ${NOW_MS} OR (backup_node = $2 AND requeue_reason = 'crash'))
  ORDER BY ${ORDER} LIMIT $5
  FOR UPDATE SKIP LOCKED),
claimed AS (
  UPDATE baton_jobs j SET ${CLAIM_SET}
  FROM next WHERE j.id = next.id AND j.status = 'queued'
  RETURNING j.*),
ev AS (${RECORD_CLAIMS})
SELECT * FROM claimed ORDER BY ${ORDER}`;

export async function claimJobs(sql: Sql, req: ClaimRequest, token = randomUUID()): Promise<JobRow[]> {
  if (req.limit <= 0 || req.tasks.length === 0) return [];
  const rows = await sql.query(CLAIM_JOBS, [req.nodeId, req.nodeLabel, token, req.tasks, req.limit], 'baton_claim_jobs');
  return rows.map(toJobRow);
}

/** The jobs a claim with `token` took, if it committed (after its reply was lost). */
export async function readBackClaim(sql: Sql, token: string): Promise<JobRow[]> {
  const rows = await sql.query(`SELECT * FROM baton_jobs WHERE claim_token = $1 AND status = 'running' ORDER BY ${ORDER}`, [token]);
  return rows.map(toJobRow);
}

export async function claimJobAt(
  sql: Sql,
  jobId: string,
  expectedEpoch: number,
  fromStatuses: readonly JobStatus[],
  node: { nodeId: string; nodeLabel: string },
  token = randomUUID(),
): Promise<JobRow | null> {
  const rows = await sql.query(
    `WITH claimed AS (
       UPDATE baton_jobs j SET ${CLAIM_SET},
         crash_count = j.crash_count + CASE WHEN j.status = 'running' THEN 1 ELSE 0 END,
         requeue_reason = CASE WHEN j.status = 'running' THEN 'crash' ELSE j.requeue_reason END,
         last_owner_label = CASE WHEN j.status = 'running' THEN j.owner_label ELSE j.last_owner_label END
       WHERE j.id = $4 AND j.lease_epoch = $5 AND j.status = ANY($6::text[]) AND ${CLAIMER_ALIVE}
       RETURNING j.*),
     ev AS (${RECORD_CLAIMS})
     SELECT * FROM claimed`,
    [node.nodeId, node.nodeLabel, token, jobId, expectedEpoch, fromStatuses],
  );
  return rows.length === 0 ? null : toJobRow(rows[0]);
}
