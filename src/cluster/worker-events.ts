/** The typed events a Worker emits; tests wait on them instead of sleeping. */
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { BatonError } from '../errors.js';
import type { NodeRow } from '../store/records.js';

export interface TakeoverInfo {
  jobId: string;
  fromNode: string | null;
  toNode: string;
  /** The checkpoint the job resumes from (null: it had none, so it restarts from zero). */
  checkpoint: Checkpoint | null;
}

export interface WorkerEvents {
  'job:claimed': [{ jobId: string; task: string; attempt: number; epoch: number }];
  'job:takeover': [TakeoverInfo];
  'job:checkpoint': [{ jobId: string; seq: number; progress: number; sizeBytes: number; bytesWritten: number; costMs: number }];
  'job:completed': [{ jobId: string; result: unknown; attempt: number }];
  'job:failed': [{ jobId: string; error: unknown; attempt: number; willRetry: boolean }];
  'lease:lost': [{ jobId: string; epoch: number; error: BatonError }];
  'node:dead': [NodeRow];
  /** The node cannot heartbeat any more (its heartbeat thread died); it aborts its jobs and stops. */
  fatal: [Error];
  stopped: [];
}
