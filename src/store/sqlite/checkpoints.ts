/**
 * Checkpoint rows and chunks. `commitCheckpoint` is the hot path: one BEGIN IMMEDIATE
 * transaction that bumps seq under the fence, inserts small chunks and the manifest, checks
 * the chunks it names exist, prunes past `keep` and records the event (invariant 3).
 */
import { BatonError, ErrorCode } from '../../errors.js';
import type { CheckpointRow, CheckpointSummary } from '../records.js';
import { toCheckpointRow, toCheckpointSummary } from '../row-mappers.js';
import type { CheckpointWrite, CommittedCheckpoint, Fence } from '../store.js';
import { insertEvent } from './events.js';
import { fencedUpdate } from './job-writes.js';
import { NOW_MS } from './schema.js';
import type { Statements } from './statements.js';

type Row = Record<string, unknown>;

const INSERT_CHUNK = `INSERT INTO baton_chunks (job_id, hash, data, created_at) VALUES (?, ?, ?, ${NOW_MS})
  ON CONFLICT (job_id, hash) DO NOTHING`;

function insertChunks(s: Statements, jobId: string, chunks: CheckpointWrite['inlineChunks']): number {
  const stmt = s.get(INSERT_CHUNK);
  let written = 0;
  for (const [hash, data] of chunks) written += stmt.run(jobId, hash, data).changes;
  return written;
}

/** Large chunks go in batches of about 8 MB per transaction, so no write holds the lock for long. */
export function putChunks(s: Statements, jobId: string, chunks: CheckpointWrite['inlineChunks']): number {
  let written = 0;
  for (let i = 0; i < chunks.length; ) {
    let bytes = 0;
    let end = i;
    while (end < chunks.length && (end === i || bytes + chunks[end][1].length <= 8 << 20)) bytes += chunks[end++][1].length;
    const batch = chunks.slice(i, end);
    written += s.write(() => insertChunks(s, jobId, batch));
    i = end;
  }
  return written;
}

export function commitCheckpoint(s: Statements, fence: Fence, cp: CheckpointWrite): CommittedCheckpoint {
  return s.write(() => {
    const job = fencedUpdate(s, fence, 'checkpoint_seq = checkpoint_seq + 1, progress = @progress, current_step = @step', {
      progress: cp.progress,
      step: cp.currentStep,
    });
    insertChunks(s, fence.jobId, cp.inlineChunks);
    const refs = JSON.stringify(cp.chunkRefs);
    const distinct = new Set(cp.chunkRefs).size;
    if (distinct > 0) {
      const found = s
        .get(`SELECT count(*) AS n FROM baton_chunks WHERE job_id = ? AND hash IN (SELECT value FROM json_each(?))`)
        .get(fence.jobId, refs) as { n: number };
      if (found.n !== distinct) {
        throw new BatonError(
          ErrorCode.CHECKPOINT_CORRUPT,
          `checkpoint of job "${fence.jobId}" names ${distinct - found.n} chunk(s) missing from the store: not committed, the previous checkpoint stays`,
          { jobId: fence.jobId },
        );
      }
    }
    const seq = job.checkpointSeq;
    const { createdAt } = s
      .get(
        `INSERT INTO baton_checkpoints (job_id, seq, epoch, node_id, attempt, created_at, progress, current_step,
           completed_steps, manifest, chunk_refs, format_version, checksum, size_bytes)
         VALUES (?, ?, ?, ?, ?, ${NOW_MS}, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING created_at AS createdAt`,
      )
      .get(fence.jobId, seq, fence.epoch, cp.nodeId, cp.attempt, cp.progress, cp.currentStep,
        JSON.stringify(cp.completedSteps), cp.manifest, refs, cp.formatVersion, cp.checksum, cp.sizeBytes) as { createdAt: number };
    const pruned = s.get('DELETE FROM baton_checkpoints WHERE job_id = ? AND seq <= ?').run(fence.jobId, seq - cp.keep);
    if (pruned.changes > 0) {
      // Chunks no kept checkpoint references. Safe without a grace period: only this lease
      // holder writes manifests for the job, one checkpoint at a time.
      s.get(
        `DELETE FROM baton_chunks WHERE job_id = @jobId AND hash NOT IN (
           SELECT j.value FROM baton_checkpoints c, json_each(c.chunk_refs) j WHERE c.job_id = @jobId)`,
      ).run({ jobId: fence.jobId });
    }
    insertEvent(s, {
      jobId: fence.jobId,
      type: 'checkpoint',
      nodeId: cp.nodeId,
      attempt: cp.attempt,
      epoch: fence.epoch,
      data: { seq, progress: cp.progress, step: cp.currentStep, steps: cp.completedSteps.length, sizeBytes: cp.sizeBytes },
    });
    return { seq, createdAt };
  });
}

export function getCheckpoints(s: Statements, jobId: string, limit: number): CheckpointRow[] {
  const rows = s.get('SELECT * FROM baton_checkpoints WHERE job_id = ? ORDER BY seq DESC LIMIT ?').all(jobId, limit) as Row[];
  return rows.map(toCheckpointRow);
}

const SUMMARY_COLUMNS = 'job_id, seq, epoch, node_id, attempt, created_at, progress, current_step, format_version, size_bytes';

export function listCheckpoints(s: Statements, jobId: string | undefined, limit: number): CheckpointSummary[] {
  const rows = (
    jobId === undefined
      ? s.get(`SELECT ${SUMMARY_COLUMNS} FROM baton_checkpoints ORDER BY created_at DESC, seq DESC LIMIT ?`).all(limit)
      : s.get(`SELECT ${SUMMARY_COLUMNS} FROM baton_checkpoints WHERE job_id = ? ORDER BY seq DESC LIMIT ?`).all(jobId, limit)
  ) as Row[];
  return rows.map(toCheckpointSummary);
}

export function getChunks(s: Statements, jobId: string, hashes: readonly string[]): Map<string, Uint8Array> {
  const rows = s
    .get('SELECT hash, data FROM baton_chunks WHERE job_id = ? AND hash IN (SELECT value FROM json_each(?))')
    .all(jobId, JSON.stringify(hashes)) as { hash: string; data: Uint8Array }[];
  return new Map(rows.map((r) => [r.hash, r.data]));
}
