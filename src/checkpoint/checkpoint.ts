/** The Checkpoint a user sees: a durable snapshot of a job, decoded and verified. */
export interface Checkpoint {
  jobId: string;
  /** `<jobId>:<seq>`. */
  checkpointId: string;
  /** Grows by one per checkpoint of the job, never reused. */
  seq: number;
  /** Lease epoch it was written under. */
  epoch: number;
  /** When it committed, ms since the epoch (store clock). */
  timestamp: number;
  progress: number;
  state: Record<string, unknown>;
  completedSteps: string[];
  currentStep: string | null;
  /** Label of the node that wrote it. */
  nodeId: string;
  attempt: number;
  inputData: unknown;
  intermediateResults: Record<string, unknown>;
  /** Saved results of `ctx.step` calls, by step id. */
  stepResults: Record<string, unknown>;
  formatVersion: number;
  checksum: string;
  /** Bytes of encoded values this checkpoint references (written or reused). */
  sizeBytes: number;
}

/** One row of `listCheckpoints`, newest first. */
export interface CheckpointInfo {
  jobId: string;
  checkpointId: string;
  seq: number;
  progress: number;
  timestamp: number;
  nodeId: string;
  attempt: number;
  currentStep: string | null;
  sizeBytes: number;
}
