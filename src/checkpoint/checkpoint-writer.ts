/**
 * Writes one job's checkpoints under its lease, one at a time. Large new chunks are written
 * ahead in their own transactions; the commit is then one small fenced transaction (manifest,
 * small chunks, prune). It remembers the last committed manifest so unchanged values are
 * never written again, across checkpoints and across a resume.
 */
import { crashPoint, CrashPoint } from '../debug/crash-points.js';
import { retryStoreCall } from '../store/retry.js';
import type { Fence, Store } from '../store/store.js';
import { FORMAT_VERSION } from './codec/index.js';
import { checkpointChecksum, manifestRefs, manifestSize, type Manifest } from './manifest.js';
import type { PreparedSnapshot } from './snapshot.js';

/** New chunks up to this many bytes go inside the commit transaction itself. */
const INLINE_LIMIT = 1 << 20;

export interface CheckpointHeader {
  nodeId: string;
  attempt: number;
  progress: number;
  currentStep: string | null;
  completedSteps: string[];
}

export interface CommitResult {
  seq: number;
  createdAt: number;
  checksum: string;
  sizeBytes: number;
  bytesWritten: number;
}

export class CheckpointWriter {
  private committed: Manifest;
  private known: Set<string>;

  /**
   * `unstored` are chunks the base manifest names but the store may not hold yet (a fresh
   * job's input): they ride along with the first commit.
   */
  constructor(
    private readonly store: Store,
    readonly fence: Fence,
    private readonly keep: number,
    restored: Manifest,
    private unstored: Array<[hash: string, data: Uint8Array]> = [],
  ) {
    this.committed = restored;
    this.known = new Set(manifestRefs(restored));
    for (const [hash] of unstored) this.known.delete(hash);
  }

  /** The manifest of the last committed checkpoint (the base for the next snapshot). */
  get base(): Manifest {
    return this.committed;
  }

  /** Chunk hashes the store holds for this job through the last committed manifest. */
  get knownChunks(): ReadonlySet<string> {
    return this.known;
  }

  async commit(snapshot: PreparedSnapshot, header: CheckpointHeader): Promise<CommitResult> {
    for (const chunk of this.unstored) {
      if (snapshot.pending.has(chunk[0])) continue;
      snapshot.pending.add(chunk[0]);
      snapshot.newChunks.push(chunk);
      snapshot.newBytes += chunk[1].byteLength;
    }
    const inline = snapshot.newBytes <= INLINE_LIMIT;
    if (!inline) await retryStoreCall(() => this.store.putChunks(this.fence.jobId, snapshot.newChunks));
    crashPoint(CrashPoint.MID_CHECKPOINT);
    const manifest = JSON.stringify(snapshot.manifest);
    const fields = { ...header, jobId: this.fence.jobId, epoch: this.fence.epoch, formatVersion: FORMAT_VERSION, manifest };
    const checksum = checkpointChecksum(fields);
    const refs = manifestRefs(snapshot.manifest);
    const sizeBytes = manifestSize(snapshot.manifest);
    const { seq, createdAt } = await retryStoreCall(() => this.store.commitCheckpoint(this.fence, {
      ...header,
      manifest,
      chunkRefs: refs,
      formatVersion: FORMAT_VERSION,
      checksum,
      sizeBytes,
      inlineChunks: inline ? snapshot.newChunks : [],
      keep: this.keep,
    }));
    this.committed = snapshot.manifest;
    this.known = new Set(refs);
    this.unstored = [];
    crashPoint(CrashPoint.AFTER_CHECKPOINT_COMMIT);
    return { seq, createdAt, checksum, sizeBytes, bytesWritten: snapshot.newBytes + manifest.length };
  }
}
