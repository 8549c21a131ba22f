/** Everything a ResumableContext is built from: the lease, the restored checkpoint, and hooks. */
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { CheckpointWriter, CommitResult } from '../checkpoint/checkpoint-writer.js';
import type { NormalizedCheckpointOptions } from '../checkpoint/options.js';
import type { CheckpointPolicy } from '../checkpoint/strategy.js';
import type { BatonError } from '../errors.js';
import type { Fence } from '../store/store.js';

export interface ContextInit {
  fence: Fence;
  nodeLabel: string;
  attempt: number;
  inputData: unknown;
  restored: Checkpoint | null;
  writer: CheckpointWriter;
  options: NormalizedCheckpointOptions;
  /** The job's strategy state, shared with CheckpointManager.shouldCheckpoint. */
  policy: CheckpointPolicy;
  signal: AbortSignal;
  /** A fenced write was refused: the run must stop. */
  onLeaseLost(err: BatonError): void;
  /** False once the node's last successful heartbeat is older than the timeout (see heartbeat.ts). */
  leaseValid?(): boolean;
  /** Asks the store whether the lease still holds; throws LEASE_LOST (and aborts) if not. */
  recheckLease?(): Promise<void>;
  /** A checkpoint committed: what it wrote, at which progress, and how long the job was blocked. */
  onCheckpoint?(commit: CommitResult, progress: number, costMs: number): void;
  onProgress?(progress: number, currentStep: string | null): void;
}
