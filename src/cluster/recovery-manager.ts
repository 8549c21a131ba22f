/**
 * RecoveryManager: the failure detector every Worker runs (there is no coordinator to lose).
 * Each round it marks nodes silent for `heartbeatTimeoutMs` (store clock) as dead, then
 * requeues every running job whose owner is not alive, not only the ones just marked, so a
 * claim that raced the marking is never orphaned. It declares others dead only after its own
 * node has beaten without a gap for a whole timeout: a store outage that silenced everyone
 * must not end in mass takeovers.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import type { NodeRow } from '../store/records.js';
import type { RequeuedJob, Store } from '../store/store.js';

export interface RecoveryManagerOptions {
  store: Store;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  backupGraceMs: number;
  logger: Logger;
  /** Ask the Worker's heartbeat for a fresh beat before each round (optional). */
  checkIntervalMs?: number;
}

export interface RecoveryEvents {
  'node:dead': [NodeRow];
  'job:requeued': [RequeuedJob];
  error: [Error];
}

export class RecoveryManager extends EventEmitter<RecoveryEvents> {
  private timer: NodeJS.Timeout | null = null;
  private healthySince: number | null = null;
  private lastBeatAt: number | null = null;
  private running = false;

  constructor(private readonly o: RecoveryManagerOptions) {
    super();
  }

  /** The owning node beat successfully (monotonic time). A gap longer than the timeout resets trust. */
  recordOwnBeat(at = performance.now()): void {
    if (this.lastBeatAt === null || at - this.lastBeatAt > this.o.heartbeatTimeoutMs) this.healthySince = at;
    this.lastBeatAt = at;
  }

  /** Forget the beats so far: after being declared dead, trust must be earned again. */
  distrust(): void {
    this.healthySince = null;
    this.lastBeatAt = null;
  }

  /** Whether this detector may declare other nodes dead now. */
  get trusted(): boolean {
    if (this.healthySince === null || this.lastBeatAt === null) return false;
    const now = performance.now();
    return now - this.healthySince >= this.o.heartbeatTimeoutMs && now - this.lastBeatAt <= this.o.heartbeatTimeoutMs;
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.runOnce(), this.o.checkIntervalMs ?? this.o.heartbeatIntervalMs);
  }

  /** One detection round; returns what it did. Safe to call concurrently from many nodes. */
  async runOnce(): Promise<{ dead: NodeRow[]; requeued: RequeuedJob[] }> {
    if (this.running || !this.trusted) return { dead: [], requeued: [] };
    this.running = true;
    try {
      const dead = await this.o.store.markDeadNodes(this.o.heartbeatTimeoutMs);
      for (const node of dead) {
        this.o.logger.warn(`node ${node.label} declared dead: no heartbeat for ${this.o.heartbeatTimeoutMs} ms`, { incarnation: node.id });
        this.emit('node:dead', node);
      }
      const requeued = await this.o.store.requeueOrphanedJobs(this.o.backupGraceMs);
      for (const job of requeued) {
        this.o.logger.info(job.failed ? `job ${job.jobId} failed: crash limit reached` : `job ${job.jobId} requeued for takeover (owner ${job.fromNode} is dead)`);
        this.emit('job:requeued', job);
      }
      return { dead, requeued };
    } catch (err) {
      this.o.logger.warn('failure detection round failed; will retry', { error: (err as Error).message });
      if (this.listenerCount('error') > 0) this.emit('error', err as Error);
      return { dead: [], requeued: [] };
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
