/**
 * Checkpoint rows and chunks. `commitCheckpoint` is the hot path: ONE autocommit statement (one
 * round trip) whose data-modifying CTEs bump seq under the fence, insert the inline chunks and
 * the manifest, prune past `keep` with the chunks no kept checkpoint references, and record the
 * event: whole or nothing (invariant 3).
 */
import { BatonError, ErrorCode, leaseLost } from '../../errors.js';
import type { CheckpointRow, CheckpointSummary } from '../records.js';
import { toCheckpointRow, toCheckpointSummary } from '../row-mappers.js';
import type { CheckpointWrite, CommittedCheckpoint, Fence } from '../store.js';
import { EVENT_COLUMNS } from './events.js';
import type { Sql } from './pool.js';
import { NOW_MS } from './schema.js';

/** Large chunks go in statements of about 8 MB, so no write holds its locks or a socket for long. */
const BATCH_BYTES = 8 << 20;

/** Each batch is its own statement; bytes travel as binary parameters (an array would be hex text). */
export async function putChunks(sql: Sql, jobId: string, chunks: CheckpointWrite['inlineChunks']): Promise<number> {
  let written = 0;
  for (let i = 0; i < chunks.length; ) {
    const values: unknown[] = [jobId];
    const tuples: string[] = [];
    let bytes = 0;
    do {
      bytes += chunks[i][1].length;
      values.push(chunks[i][0], chunks[i][1]);
      tuples.push(`($1, $${values.length - 1}, $${values.length}, ${NOW_MS})`);
      i++;
    } while (i < chunks.length && bytes + chunks[i][1].length <= BATCH_BYTES && tuples.length < 1000);
    const rows = await sql.query(
      `INSERT INTO baton_chunks (job_id, hash, data, created_at) VALUES ${tuples.join(', ')}
       ON CONFLICT (job_id, hash) DO NOTHING RETURNING 1`,
      values,
    );
    written += rows.length;
  }
  return written;
}

/*
 * $1 job, $2 epoch, $3 progress, $4 step, $5 node, $6 attempt, $7 completed steps (jsonb),
 * $8 manifest, $9 chunk refs, $10 format, $11 checksum, $12 size, $13/$14 inline hashes/bytes, $15 keep.
 * Every CTE reads the snapshot from before the statement: the new checkpoint and its inline
 * chunks are invisible, so `still_named` adds its refs ($9) explicitly, and pruned rows are
 * still visible, so it reads only the kept seqs (> cutoff). `gc` looks up just the chunks the
 * pruned checkpoints named (scanning all of a job's chunks, dead rows included, made the commit
 * 2.5x slower); every 64th seq `sweep` also removes chunks no checkpoint ever named (written
 * for a commit that was then refused). NOT IN over a subquery is a hashed lookup, so neither
 * is quadratic in the number of chunks. The final row tells a refused fence (`held` false)
 * from missing chunks (`missing` > 0).
 */
const COMMIT = `
WITH inline AS (SELECT * FROM unnest($13::text[], $14::bytea[]) AS i(hash, data)),
missing AS (
  SELECT count(DISTINCT r.hash) AS n FROM unnest($9::text[]) AS r(hash)
  WHERE NOT EXISTS (SELECT 1 FROM inline i WHERE i.hash = r.hash)
    AND NOT EXISTS (SELECT 1 FROM baton_chunks c WHERE c.job_id = $1 AND c.hash = r.hash)),
f AS (
  UPDATE baton_jobs SET checkpoint_seq = checkpoint_seq + 1, progress = $3, current_step = $4, updated_at = ${NOW_MS}
  WHERE id = $1 AND lease_epoch = $2 AND status = 'running' AND (SELECT n FROM missing) = 0
  RETURNING checkpoint_seq AS seq, checkpoint_seq - $15 AS cutoff),
chunks AS (
  INSERT INTO baton_chunks (job_id, hash, data, created_at)
  SELECT $1, hash, data, ${NOW_MS} FROM inline WHERE EXISTS (SELECT 1 FROM f)
  ON CONFLICT (job_id, hash) DO NOTHING),
cp AS (
  INSERT INTO baton_checkpoints (job_id, seq, epoch, node_id, attempt, created_at, progress, current_step,
    completed_steps, manifest, chunk_refs, format_version, checksum, size_bytes)
  SELECT $1, seq, $2, $5, $6, ${NOW_MS}, $3, $4, $7, $8, $9, $10, $11, $12 FROM f
  RETURNING seq, created_at),
pruned AS (DELETE FROM baton_checkpoints WHERE job_id = $1 AND seq <= (SELECT cutoff FROM f) RETURNING chunk_refs),
dropped AS (SELECT DISTINCT unnest(chunk_refs) AS hash FROM pruned),
still_named AS (
  SELECT unnest(chunk_refs) AS hash FROM baton_checkpoints WHERE job_id = $1 AND seq > (SELECT cutoff FROM f)
  UNION ALL SELECT unnest($9::text[])),
gc AS (
  DELETE FROM baton_chunks
  WHERE job_id = $1 AND hash = ANY (ARRAY(SELECT hash FROM dropped)) AND hash NOT IN (SELECT hash FROM still_named)),
sweep AS (
  DELETE FROM baton_chunks
  WHERE (SELECT seq FROM f) % 64 = 0 AND job_id = $1
    AND hash NOT IN (SELECT hash FROM dropped) AND hash NOT IN (SELECT hash FROM still_named)),
ev AS (
  INSERT INTO baton_events ${EVENT_COLUMNS}
  SELECT $1, 'checkpoint', ${NOW_MS}, $5, $6, $2, jsonb_build_object('seq', seq, 'progress', $3::float8, 'step', $4::text,
    'steps', jsonb_array_length($7::jsonb), 'sizeBytes', $12::bigint) FROM f)
SELECT cp.seq, cp.created_at, (SELECT n FROM missing) AS missing,
  EXISTS (SELECT 1 FROM baton_jobs WHERE id = $1 AND lease_epoch = $2 AND status = 'running') AS held
FROM (SELECT 1) AS one LEFT JOIN cp ON true`;

export async function commitCheckpoint(sql: Sql, fence: Fence, cp: CheckpointWrite): Promise<CommittedCheckpoint> {
  const [row] = await sql.query(
    COMMIT,
    [fence.jobId, fence.epoch, cp.progress, cp.currentStep, cp.nodeId, cp.attempt, JSON.stringify(cp.completedSteps),
      cp.manifest, cp.chunkRefs, cp.formatVersion, cp.checksum, cp.sizeBytes,
      cp.inlineChunks.map((c) => c[0]), cp.inlineChunks.map((c) => c[1]), cp.keep],
    'baton_commit_checkpoint',
  );
  if (row.seq !== null) return { seq: Number(row.seq), createdAt: Number(row.created_at) };
  const missing = Number(row.missing);
  if (row.held !== true || missing === 0) throw leaseLost(fence.jobId, fence.epoch);
  throw new BatonError(
    ErrorCode.CHECKPOINT_CORRUPT,
    `checkpoint of job "${fence.jobId}" names ${missing} chunk(s) missing from the store: not committed, the previous checkpoint stays`,
    { jobId: fence.jobId },
  );
}

/**
 * After a commit whose reply was lost: the checkpoint (job, epoch, checksum) if it landed;
 * LEASE_LOST if it did not and the job moved on; null while the outcome is still unknown.
 */
export async function readBackCheckpoint(sql: Sql, fence: Fence, checksum: string): Promise<CommittedCheckpoint | null> {
  const [row] = await sql.query(
    `SELECT (SELECT c.seq FROM baton_checkpoints c WHERE c.job_id = $1 AND c.epoch = $2 AND c.checksum = $3 ORDER BY c.seq DESC LIMIT 1) AS seq,
       (SELECT c.created_at FROM baton_checkpoints c WHERE c.job_id = $1 AND c.epoch = $2 AND c.checksum = $3 ORDER BY c.seq DESC LIMIT 1) AS created_at,
       EXISTS (SELECT 1 FROM baton_jobs WHERE id = $1 AND lease_epoch = $2 AND status = 'running') AS held`,
    [fence.jobId, fence.epoch, checksum],
  );
  if (row.seq !== null) return { seq: Number(row.seq), createdAt: Number(row.created_at) };
  if (row.held !== true) throw leaseLost(fence.jobId, fence.epoch);
  return null;
}

export async function getCheckpoints(sql: Sql, jobId: string, limit: number): Promise<CheckpointRow[]> {
  const rows = await sql.query('SELECT * FROM baton_checkpoints WHERE job_id = $1 ORDER BY seq DESC LIMIT $2', [jobId, limit]);
  return rows.map(toCheckpointRow);
}

const SUMMARY_COLUMNS = 'job_id, seq, epoch, node_id, attempt, created_at, progress, current_step, format_version, size_bytes';

export async function listCheckpoints(sql: Sql, jobId: string | undefined, limit: number): Promise<CheckpointSummary[]> {
  const rows =
    jobId === undefined
      ? await sql.query(`SELECT ${SUMMARY_COLUMNS} FROM baton_checkpoints ORDER BY created_at DESC, seq DESC LIMIT $1`, [limit])
      : await sql.query(`SELECT ${SUMMARY_COLUMNS} FROM baton_checkpoints WHERE job_id = $1 ORDER BY seq DESC LIMIT $2`, [jobId, limit]);
  return rows.map(toCheckpointSummary);
}

export async function getChunks(sql: Sql, jobId: string, hashes: readonly string[]): Promise<Map<string, Uint8Array>> {
  const rows = await sql.query('SELECT hash, data FROM baton_chunks WHERE job_id = $1 AND hash = ANY($2::text[])', [jobId, hashes]);
  return new Map(rows.map((r) => [String(r.hash), r.data as Uint8Array]));
}

/** All checkpoints and chunks of a job (an admin action, not fenced). Returns checkpoints deleted. */
export async function deleteCheckpoints(sql: Sql, jobId: string): Promise<number> {
  const rows = await sql.query(
    `WITH k AS (DELETE FROM baton_chunks WHERE job_id = $1), c AS (DELETE FROM baton_checkpoints WHERE job_id = $1 RETURNING 1)
     SELECT count(*) AS n FROM c`,
    [jobId],
  );
  return Number(rows[0].n);
}
