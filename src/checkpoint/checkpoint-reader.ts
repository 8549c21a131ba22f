/**
 * Verified reads (invariant 5). A checkpoint is used only if its checksum matches, every
 * chunk's content hashes to its name, and every value decodes. A corrupt latest checkpoint is
 * reported and the previous kept one is tried; if none is usable the error names job and seq.
 */
import { BatonError, ErrorCode, isBatonError } from '../errors.js';
import type { CheckpointRow } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Checkpoint } from './checkpoint.js';
import { decodeValue, FORMAT_VERSION, hashBytes, joinChunks } from './codec/index.js';
import { checkpointChecksum, manifestRefs, parseManifest, SECTIONS, type Manifest, type ValueRef } from './manifest.js';
import { SECTION_PATH } from './snapshot.js';

export interface LoadedCheckpoint {
  checkpoint: Checkpoint;
  manifest: Manifest;
}

export type CorruptListener = (jobId: string, seq: number, error: BatonError) => void;

export async function loadLatestCheckpoint(
  store: Store,
  jobId: string,
  keep: number,
  onCorrupt: CorruptListener,
): Promise<LoadedCheckpoint | null> {
  const rows = await store.getCheckpoints(jobId, Math.max(keep, 1) + 1);
  let lastError: BatonError | undefined;
  for (const row of rows) {
    try {
      return await loadCheckpoint(store, row);
    } catch (err) {
      if (!isBatonError(err, ErrorCode.CHECKPOINT_CORRUPT)) throw err;
      lastError = err;
      onCorrupt(jobId, row.seq, err);
    }
  }
  if (lastError === undefined) return null;
  throw new BatonError(
    ErrorCode.CHECKPOINT_CORRUPT,
    `job "${jobId}": none of its ${rows.length} kept checkpoint(s) is readable (newest seq ${rows[0].seq}): ${lastError.message}; ` +
      'delete its checkpoints (baton checkpoints delete, or CheckpointManager.deleteCheckpoint) to restart it from zero',
    { jobId, seq: rows[0].seq, cause: lastError },
  );
}

function corrupt(row: CheckpointRow, why: string, cause?: unknown): BatonError {
  return new BatonError(ErrorCode.CHECKPOINT_CORRUPT, `checkpoint seq ${row.seq} of job "${row.jobId}" is corrupt: ${why}`, {
    jobId: row.jobId,
    seq: row.seq,
    cause,
  });
}

/**
 * Reads one checkpoint, verified. Whatever is wrong with it (a damaged column, a forged
 * manifest of the wrong shape) ends as CHECKPOINT_CORRUPT, never as a TypeError.
 */
export async function loadCheckpoint(store: Store, row: CheckpointRow): Promise<LoadedCheckpoint> {
  if (row.unreadable !== undefined) throw corrupt(row, row.unreadable);
  try {
    return await readCheckpoint(store, row);
  } catch (err) {
    if (isBatonError(err) && (err.code === ErrorCode.CHECKPOINT_CORRUPT || err.code === ErrorCode.CHECKPOINT_VERSION || err.retryable)) throw err;
    throw corrupt(row, `malformed (${(err as Error).message})`, err);
  }
}

async function readCheckpoint(store: Store, row: CheckpointRow): Promise<LoadedCheckpoint> {
  if (row.formatVersion > FORMAT_VERSION) {
    throw new BatonError(
      ErrorCode.CHECKPOINT_VERSION,
      `checkpoint seq ${row.seq} of job "${row.jobId}" was written by a newer Baton (format ${row.formatVersion}, this one reads up to ${FORMAT_VERSION}): upgrade Baton on this node`,
      { jobId: row.jobId, seq: row.seq },
    );
  }
  if (checkpointChecksum(row) !== row.checksum) throw corrupt(row, 'checksum mismatch');
  let manifest: Manifest;
  try {
    manifest = parseManifest(row.manifest);
  } catch (err) {
    throw corrupt(row, `unreadable manifest (${(err as Error).message})`, err);
  }
  const chunks = await store.getChunks(row.jobId, manifestRefs(manifest));
  const decode = (ref: ValueRef, what: string): unknown => {
    const parts = ref.c.map((h) => {
      const data = chunks.get(h);
      if (data === undefined) throw corrupt(row, `chunk ${h.slice(0, 12)} of ${what} is missing`);
      if (hashBytes(data) !== h) throw corrupt(row, `chunk ${h.slice(0, 12)} of ${what} does not match its hash`);
      return data;
    });
    try {
      return decodeValue(joinChunks(parts), what);
    } catch (err) {
      throw isBatonError(err, ErrorCode.CHECKPOINT_VERSION) ? err : corrupt(row, `${what} does not decode`, err);
    }
  };
  const sections = {} as Record<(typeof SECTIONS)[number], Record<string, unknown>>;
  for (const section of SECTIONS) {
    const values: Record<string, unknown> = {};
    for (const [key, ref] of Object.entries(manifest[section])) {
      Object.defineProperty(values, key, { value: decode(ref, `${SECTION_PATH[section]}.${key}`), enumerable: true, writable: true, configurable: true });
    }
    sections[section] = values;
  }
  const checkpoint: Checkpoint = {
    jobId: row.jobId,
    checkpointId: `${row.jobId}:${row.seq}`,
    seq: row.seq,
    epoch: row.epoch,
    timestamp: row.createdAt,
    progress: row.progress,
    state: sections.state,
    completedSteps: row.completedSteps,
    currentStep: row.currentStep,
    nodeId: row.nodeId,
    attempt: row.attempt,
    inputData: decode(manifest.input, 'inputData'),
    intermediateResults: sections.results,
    stepResults: sections.steps,
    formatVersion: row.formatVersion,
    checksum: row.checksum,
    sizeBytes: row.sizeBytes,
  };
  return { checkpoint, manifest };
}
