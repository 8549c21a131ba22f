/**
 * CheckpointManager: the original system's entry point to checkpoints. It owns the store
 * connection, the strategy settings, and per-job policies and writers for the jobs this
 * process holds leases on. Reads are verified (checkpoint-reader.ts).
 */
import { EventEmitter } from 'node:events';
import { BatonError, ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { openStore, type StoreLike } from '../store/open-store.js';
import type { Fence, Store } from '../store/store.js';
import type { Checkpoint, CheckpointInfo } from './checkpoint.js';
import { loadLatestCheckpoint, type LoadedCheckpoint } from './checkpoint-reader.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { encodeValue, FORMAT_VERSION } from './codec/index.js';
import { parseManifest, type Manifest } from './manifest.js';
import { normalizeCheckpointOptions, resolveManagerBasics, type CheckpointManagerOptions, type NormalizedCheckpointOptions } from './options.js';
import { emptyDirty, prepareSnapshot, refOf, type PreparedSnapshot } from './snapshot.js';
import { CheckpointPolicy } from './strategy.js';
import { defaultNodeLabel } from '../cluster/node-identity.js';
import { validateName } from '../names.js';

export interface CreateCheckpointInput {
  jobId: string;
  /** Lease epoch; optional while this process runs the job (executeResumable or a Worker). */
  epoch?: number;
  progress: number;
  state?: Record<string, unknown>;
  completedSteps?: string[];
  currentStep?: string | null;
  intermediateResults?: Record<string, unknown>;
  inputData?: unknown;
  attempt?: number;
}

export interface CheckpointManagerEvents {
  'checkpoint:corrupt': [{ jobId: string; seq: number; error: BatonError }];
}

export class CheckpointManager extends EventEmitter<CheckpointManagerEvents> {
  readonly nodeId: string;
  readonly options: NormalizedCheckpointOptions;
  readonly logger: Logger;
  private readonly storeSpec: StoreLike;
  private storePromise: Promise<Store> | null = null;
  /** Close the store on close() only when this manager opened it from a URL. */
  private readonly ownsStore: boolean;
  private readonly policies = new Map<string, CheckpointPolicy>();
  private readonly writers = new Map<string, CheckpointWriter>();

  constructor(options: CheckpointManagerOptions = {}) {
    super();
    this.options = normalizeCheckpointOptions(options);
    const basics = resolveManagerBasics(options);
    this.storeSpec = basics.store;
    this.ownsStore = typeof basics.store === 'string';
    this.logger = basics.logger;
    this.nodeId = options.nodeId ?? defaultNodeLabel();
    validateName('nodeId', this.nodeId);
  }

  /** The store URL when the manager was given one (a heartbeat thread can open it too). */
  get storeUrl(): string | null {
    return typeof this.storeSpec === 'string' ? this.storeSpec : null;
  }

  /** The opened, migrated store. */
  store(): Promise<Store> {
    this.storePromise ??= openStore(this.storeSpec);
    return this.storePromise;
  }

  /** Whether the strategy says `jobId` should checkpoint now, at `progress`. */
  shouldCheckpoint(jobId: string, progress: number): boolean {
    return this.policyFor(jobId).isDue(progress);
  }

  /** The policy of a job this process runs (shared with its context). */
  policyFor(jobId: string): CheckpointPolicy {
    let policy = this.policies.get(jobId);
    if (policy === undefined) {
      policy = new CheckpointPolicy(this.options, this.options.clock);
      this.policies.set(jobId, policy);
    }
    return policy;
  }

  /** Registers the writer of a job this process holds the lease on. */
  attach(jobId: string, writer: CheckpointWriter): void {
    this.writers.set(jobId, writer);
  }
  detach(jobId: string): void {
    this.writers.delete(jobId);
    this.policies.delete(jobId);
  }

  /** Loads the newest verified checkpoint, falling back past corrupt ones (reported as events). */
  async loadLatest(jobId: string): Promise<LoadedCheckpoint | null> {
    const store = await this.store();
    return loadLatestCheckpoint(store, jobId, this.options.keepCheckpoints, (id, seq, error) => {
      this.logger.warn(`checkpoint seq ${seq} of job "${id}" is corrupt, trying the previous one`, { error: error.message });
      this.emit('checkpoint:corrupt', { jobId: id, seq, error });
      void store.appendEvent({ jobId: id, type: 'checkpoint:corrupt', nodeId: this.nodeId, data: { seq, error: error.message } }).catch(() => undefined);
    });
  }

  async getLatestCheckpoint(jobId: string): Promise<Checkpoint | null> {
    return (await this.loadLatest(jobId))?.checkpoint ?? null;
  }

  /** Newest first; every job's when `jobId` is omitted. */
  async listCheckpoints(jobId?: string): Promise<CheckpointInfo[]> {
    const rows = await (await this.store()).listCheckpoints(jobId);
    return rows.map((r) => ({
      jobId: r.jobId,
      checkpointId: `${r.jobId}:${r.seq}`,
      seq: r.seq,
      progress: r.progress,
      timestamp: r.createdAt,
      nodeId: r.nodeId,
      attempt: r.attempt,
      currentStep: r.currentStep,
      sizeBytes: r.sizeBytes,
    }));
  }

  /** Deletes every checkpoint of a job. Returns how many were deleted. */
  async deleteCheckpoint(jobId: string): Promise<number> {
    return (await this.store()).deleteCheckpoints(jobId);
  }

  /**
   * Writes a checkpoint from explicit values (the original system's call). Fenced like every
   * write: it needs the job's lease, held by this process or given as `epoch`.
   */
  async createCheckpoint(input: CreateCheckpointInput): Promise<Checkpoint> {
    const store = await this.store();
    let writer = this.writers.get(input.jobId);
    if (input.epoch !== undefined && writer?.fence.epoch !== input.epoch) writer = undefined;
    // Inside a running job the context's keys stay and the given ones override them; a
    // standalone call describes the whole state.
    const merge = writer !== undefined;
    if (writer === undefined) {
      if (input.epoch === undefined) {
        throw new BatonError(
          ErrorCode.INVALID_STATE,
          `createCheckpoint for job "${input.jobId}" needs its lease: call it while the job runs (executeResumable or a Worker), or pass the lease epoch`,
          { jobId: input.jobId },
        );
      }
      writer = await this.writerFromStore(store, { jobId: input.jobId, epoch: input.epoch });
    }
    const values = {
      state: new Map(Object.entries(input.state ?? {})),
      results: new Map(Object.entries(input.intermediateResults ?? {})),
      steps: new Map<string, unknown>(),
    };
    const dirty = emptyDirty();
    for (const k of values.state.keys()) dirty.state.add(k);
    for (const k of values.results.keys()) dirty.results.add(k);
    const base = merge ? writer.base : { ...writer.base, state: {}, results: {} };
    const snapshot: PreparedSnapshot = prepareSnapshot(values, dirty, base, writer.knownChunks);
    if (input.inputData !== undefined || writer.base.input.c.length === 0) {
      snapshot.manifest.input = refOf(encodeValue(input.inputData, 'inputData'), writer.knownChunks, snapshot);
    }
    const header = {
      nodeId: this.nodeId,
      attempt: input.attempt ?? 1,
      progress: input.progress,
      currentStep: input.currentStep ?? null,
      completedSteps: input.completedSteps ?? [],
    };
    const r = await writer.commit(snapshot, header);
    this.policyFor(input.jobId).recordCheckpoint(input.progress, 0);
    return {
      ...header,
      jobId: input.jobId,
      checkpointId: `${input.jobId}:${r.seq}`,
      seq: r.seq,
      epoch: writer.fence.epoch,
      timestamp: r.createdAt,
      state: input.state ?? {},
      inputData: input.inputData,
      intermediateResults: input.intermediateResults ?? {},
      stepResults: {},
      formatVersion: FORMAT_VERSION,
      checksum: r.checksum,
      sizeBytes: r.sizeBytes,
    };
  }

  private async writerFromStore(store: Store, fence: Fence): Promise<CheckpointWriter> {
    const [latest] = await store.getCheckpoints(fence.jobId, 1);
    let base: Manifest = { state: {}, results: {}, steps: {}, input: { c: [], n: 0 } };
    if (latest !== undefined) {
      try {
        base = parseManifest(latest.manifest);
      } catch {
        // An unreadable manifest only means nothing can be reused: write everything again.
      }
    }
    return new CheckpointWriter(store, fence, this.options.keepCheckpoints, base);
  }

  async close(): Promise<void> {
    if (this.storePromise !== null && this.ownsStore) await (await this.storePromise).close();
    this.storePromise = null;
  }
}
