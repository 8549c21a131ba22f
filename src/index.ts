/**
 * Baton: long jobs that survive crashes.
 *
 * Terminology
 * - task: a named async function `(ctx, input) => result`.
 * - job: one submitted run of a task with an input; has an id, a status and attempts.
 * - attempt: one try of a job on one node; a takeover or a retry starts a new one.
 * - step: a named unit of work inside a task; a completed step is skipped on resume.
 * - checkpoint: a durable, verified snapshot of a job (progress, steps, state, results, input).
 * - node: one worker process incarnation; it heartbeats.
 * - lease: a node's ownership of a running job, with an epoch (fencing token) on every write.
 * - takeover: a live node claims a job whose owner died and resumes it from its checkpoint.
 */
export { CheckpointManager, type CreateCheckpointInput } from './checkpoint/checkpoint-manager.js';
export type { Checkpoint, CheckpointInfo } from './checkpoint/checkpoint.js';
export type { CheckpointManagerOptions, CheckpointOptions } from './checkpoint/options.js';
export { CheckpointStrategy } from './checkpoint/strategy.js';
export { encodeValue, decodeValue, FORMAT_VERSION } from './checkpoint/codec/index.js';
export { ResumableContext } from './execution/resumable-context.js';
export { ResumableTaskExecutor, type ExecuteResumableOptions, type ExecutorOptions } from './execution/resumable-task-executor.js';
export type { TaskFunction } from './execution/run-attempt.js';
export { BatonError, ErrorCode, isBatonError } from './errors.js';
export { consoleLogger, silentLogger, type Logger } from './logger.js';
export { openStore, DEFAULT_STORE_URL, type StoreLike } from './store/open-store.js';
export type { Store, StoreCapabilities, Fence } from './store/store.js';
export type { JobRow, JobStatus, NodeRow, JobEvent } from './store/records.js';
export { defineTask, type TaskDefinition, type TaskOptions } from './cluster/define-task.js';
export { Worker } from './cluster/worker.js';
export type { WorkerOptions } from './cluster/worker-options.js';
export type { WorkerEvents, TakeoverInfo } from './cluster/worker-events.js';
export { Client, type SubmitOptions } from './cluster/client.js';
export type { JobInfo } from './cluster/job-info.js';
export { RecoveryManager, type RecoveryManagerOptions } from './cluster/recovery-manager.js';
