/**
 * What a task sees while it runs: its input, progress, steps, state and intermediate results,
 * and the checkpoint calls that make them durable. Restored from the latest checkpoint on
 * resume. All durable writes go through the job's fence; a refused one aborts `signal`.
 */
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { CheckpointHeader, CheckpointWriter, CommitResult } from '../checkpoint/checkpoint-writer.js';
import { FORMAT_VERSION } from '../checkpoint/codec/index.js';
import type { NormalizedCheckpointOptions } from '../checkpoint/options.js';
import { emptyDirty, prepareSnapshot, type DirtyKeys, type Values } from '../checkpoint/snapshot.js';
import type { CheckpointPolicy } from '../checkpoint/strategy.js';
import { BatonError, ErrorCode, isBatonError } from '../errors.js';
import { validateName } from '../names.js';
import type { ContextInit } from './context-init.js';
import { CheckpointStats } from './checkpoint-stats.js';

const NOT_DUE: Promise<boolean> = Promise.resolve(false);

export class ResumableContext {
  readonly jobId: string;
  readonly nodeId: string;
  readonly attempt: number;
  readonly inputData: unknown;
  /** Aborted when the lease is lost, the job is cancelled or times out, or the node stops. */
  readonly signal: AbortSignal;
  /** Time spent blocked in checkpoint code, and what was written. */
  readonly stats = new CheckpointStats();

  private _progress: number;
  private _currentStep: string | null;
  private readonly completed: Set<string>;
  private readonly committedSteps: Set<string>;
  private readonly stepsThisRun = new Set<string>();
  private readonly values: Values;
  private dirty: DirtyKeys = emptyDirty();
  private readonly policy: CheckpointPolicy;
  private inFlight: Promise<unknown> | null = null;
  private readonly options: NormalizedCheckpointOptions;

  constructor(private readonly init: ContextInit) {
    this.jobId = init.fence.jobId;
    this.nodeId = init.nodeLabel;
    this.attempt = init.attempt;
    this.inputData = init.inputData;
    this.signal = init.signal;
    this.options = init.options;
    const cp = init.restored;
    this._progress = cp?.progress ?? 0;
    this._currentStep = cp?.currentStep ?? null;
    this.completed = new Set(cp?.completedSteps ?? []);
    this.committedSteps = new Set(this.completed);
    this.values = {
      state: new Map(Object.entries(cp?.state ?? {})),
      results: new Map(Object.entries(cp?.intermediateResults ?? {})),
      steps: new Map(Object.entries(cp?.stepResults ?? {})),
    };
    this.policy = init.policy;
    this.policy.restore(this._progress);
  }

  private get writer(): CheckpointWriter {
    return this.init.writer;
  }

  get progress(): number {
    return this._progress;
  }
  get currentStep(): string | null {
    return this._currentStep;
  }
  get completedSteps(): string[] {
    return [...this.completed];
  }
  /**
   * The lease epoch: pass it to your own external writes so a stale attempt's writes can be
   * refused. Refused (LEASE_LOST) when the node's heartbeat is overdue, since the job may then
   * belong to another node already; `await ctx.checkLease()` first to re-check with the store.
   */
  get fence(): number {
    this.signal.throwIfAborted();
    if (this.init.leaseValid?.() === false) {
      throw new BatonError(
        ErrorCode.LEASE_LOST,
        `the heartbeat of node ${this.nodeId} is overdue, so job "${this.jobId}" may belong to another node: call await ctx.checkLease() before using ctx.fence`,
        { jobId: this.jobId, nodeId: this.nodeId },
      );
    }
    return this.init.fence.epoch;
  }

  /** Re-checks the lease with the store when the local deadline has passed; throws LEASE_LOST if it is gone. */
  async checkLease(): Promise<void> {
    this.signal.throwIfAborted();
    if (this.init.leaseValid?.() === false) await this.init.recheckLease?.();
  }
  /** The checkpoint this attempt resumed from, if any. */
  get resumedFrom(): Checkpoint | null {
    return this.init.restored;
  }

  wasStepCompleted(stepId: string): boolean {
    return this.completed.has(stepId);
  }
  /** Marks a step complete; it becomes durable with the next checkpoint. */
  markStepComplete(stepId: string): void {
    if (!this.completed.has(stepId)) validateName('step id', stepId);
    this.completed.add(stepId);
  }
  setCurrentStep(stepId: string | null): void {
    if (stepId !== null && stepId !== this._currentStep) validateName('step id', stepId);
    this._currentStep = stepId;
  }

  updateProgress(progress: number): void {
    if (typeof progress !== 'number' || !(progress >= 0 && progress <= 1)) {
      throw new BatonError(ErrorCode.INVALID_PROGRESS, `progress must be a number from 0 to 1, got ${String(progress)}`, {
        jobId: this.jobId,
      });
    }
    this._progress = progress;
    this.init.onProgress?.(progress, this._currentStep);
  }

  /** Reading marks the key for the next checkpoint too: a value read may be changed in place. */
  getState<T = unknown>(key: string, defaultValue?: T): T {
    if (!this.values.state.has(key)) {
      if (defaultValue === undefined) return undefined as T;
      this.values.state.set(key, defaultValue);
    }
    this.dirty.state.add(key);
    return this.values.state.get(key) as T;
  }
  setState(key: string, value: unknown): void {
    this.values.state.set(key, value);
    this.dirty.state.add(key);
  }
  getIntermediateResult<T = unknown>(key: string): T | undefined {
    if (!this.values.results.has(key)) return undefined;
    this.dirty.results.add(key);
    return this.values.results.get(key) as T;
  }
  setIntermediateResult(key: string, value: unknown): void {
    this.values.results.set(key, value);
    this.dirty.results.add(key);
  }

  /**
   * Marks `stepId` complete (when given) and checkpoints if the strategy says it is due.
   * The not-yet path allocates nothing and awaits no I/O.
   */
  checkpointIfNeeded(stepId?: string): Promise<boolean> {
    if (stepId !== undefined && !this.completed.has(stepId)) this.markStepComplete(stepId);
    if (this.inFlight !== null || !this.policy.isDue(this._progress)) return NOT_DUE;
    return this.persist().then((committed) => committed !== null);
  }

  /** Runs `fn` once per job: a step completed in a committed checkpoint returns its saved result. */
  async step<T>(stepId: string, fn: () => T | Promise<T>): Promise<T> {
    if (this.stepsThisRun.has(stepId)) {
      throw new BatonError(ErrorCode.DUPLICATE_STEP, `step "${stepId}" is used twice in one run of job "${this.jobId}": give each step a unique id`, {
        jobId: this.jobId,
      });
    }
    if (!this.committedSteps.has(stepId)) validateName('step id', stepId);
    this.stepsThisRun.add(stepId);
    if (this.committedSteps.has(stepId)) return this.values.steps.get(stepId) as T;
    await this.checkLease();
    this._currentStep = stepId;
    const result = await fn();
    this.signal.throwIfAborted();
    this.values.steps.set(stepId, result);
    this.dirty.steps.add(stepId);
    this.completed.add(stepId);
    await this.persist();
    return result;
  }

  /**
   * Persists a checkpoint now and returns it (null under strategy NONE, which persists
   * nothing). Its state and results are the live values, not copies.
   */
  async checkpoint(): Promise<Checkpoint | null> {
    const committed = await this.persist();
    return committed === null ? null : this.toCheckpoint(committed.result, committed.header);
  }

  /** The checkpoint itself, without building the user-facing Checkpoint object (hot path). */
  private async persist(): Promise<{ result: CommitResult; header: CheckpointHeader } | null> {
    if (this.options.strategy === 'none') return null;
    while (this.inFlight !== null) await this.inFlight.catch(() => undefined);
    this.signal.throwIfAborted();
    const started = performance.now();
    const dirty = this.dirty;
    this.dirty = emptyDirty();
    const header: CheckpointHeader = {
      nodeId: this.nodeId,
      attempt: this.attempt,
      progress: this._progress,
      currentStep: this._currentStep,
      completedSteps: [...this.completed],
    };
    let result: CommitResult;
    try {
      const snapshot = prepareSnapshot(this.values, dirty, this.writer.base, this.writer.knownChunks);
      const commit = this.writer.commit(snapshot, header);
      this.inFlight = commit;
      result = await commit;
    } catch (err) {
      for (const section of ['state', 'results', 'steps'] as const) for (const k of dirty[section]) this.dirty[section].add(k);
      if (isBatonError(err, ErrorCode.LEASE_LOST)) this.init.onLeaseLost(err);
      throw err;
    } finally {
      this.inFlight = null;
    }
    const costMs = performance.now() - started;
    this.policy.recordCheckpoint(header.progress, costMs);
    this.stats.record(costMs, result.bytesWritten);
    for (const step of header.completedSteps) this.committedSteps.add(step);
    this.init.onCheckpoint?.(result, header.progress, costMs);
    return { result, header };
  }

  private toCheckpoint(r: CommitResult, h: { progress: number; currentStep: string | null; completedSteps: string[] }): Checkpoint {
    return {
      jobId: this.jobId,
      checkpointId: `${this.jobId}:${r.seq}`,
      seq: r.seq,
      epoch: this.init.fence.epoch,
      timestamp: r.createdAt,
      progress: h.progress,
      state: Object.fromEntries(this.values.state),
      completedSteps: h.completedSteps,
      currentStep: h.currentStep,
      nodeId: this.nodeId,
      attempt: this.attempt,
      inputData: this.inputData,
      intermediateResults: Object.fromEntries(this.values.results),
      stepResults: Object.fromEntries(this.values.steps),
      formatVersion: FORMAT_VERSION,
      checksum: r.checksum,
      sizeBytes: r.sizeBytes,
    };
  }
}
