/**
 * When to checkpoint. A CheckpointPolicy answers `isDue(progress)` on the hot path of
 * `ctx.checkpointIfNeeded()`: a few comparisons and one monotonic clock read, no allocation,
 * no I/O, so calling it in a tight loop is fine.
 */
export const CheckpointStrategy = {
  /** Nothing is persisted: not even `ctx.step` results. */
  NONE: 'none',
  /** Every `checkpointIntervalMs`. */
  TIME_BASED: 'time',
  /** Each time progress crosses one of `milestones`. */
  PROGRESS_BASED: 'progress',
  /** Only `ctx.checkpoint()` (and `ctx.step`, which always persists its result). */
  MANUAL: 'manual',
  /** Interval from the measured checkpoint cost and the expected time between failures (Young/Daly). */
  AUTOMATIC: 'automatic',
} as const;
export type CheckpointStrategy = (typeof CheckpointStrategy)[keyof typeof CheckpointStrategy];

const STRATEGIES = new Set<string>(Object.values(CheckpointStrategy));
export function isCheckpointStrategy(value: unknown): value is CheckpointStrategy {
  return typeof value === 'string' && STRATEGIES.has(value);
}

export interface PolicyOptions {
  strategy: CheckpointStrategy;
  checkpointIntervalMs: number;
  milestones: readonly number[];
  expectedMtbfMs: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  maxOverhead: number;
}

/** A monotonic clock in ms; injectable so tests can drive time. */
export type Clock = () => number;
export const monotonicClock: Clock = () => performance.now();

/** Weight of the newest sample in the moving average of checkpoint cost. */
const COST_EMA_WEIGHT = 0.3;

export class CheckpointPolicy {
  private lastAt: number;
  private dueAt: number;
  private nextMilestone = 0;
  private costMs = -1;

  constructor(
    private readonly o: PolicyOptions,
    private readonly clock: Clock = monotonicClock,
  ) {
    this.lastAt = clock();
    this.dueAt = this.lastAt + this.intervalMs();
  }

  /** The hot path. Milestones are crossings: progress must reach the next one not yet taken. */
  isDue(progress: number): boolean {
    switch (this.o.strategy) {
      case 'time':
      case 'automatic':
        return this.clock() >= this.dueAt;
      case 'progress':
        return this.nextMilestone < this.o.milestones.length && progress >= this.o.milestones[this.nextMilestone];
      default:
        return false;
    }
  }

  /** After a checkpoint of `progress` took `costMs` of the job's time (serialisation included). */
  recordCheckpoint(progress: number, costMs: number): void {
    this.costMs = this.costMs < 0 ? costMs : this.costMs + COST_EMA_WEIGHT * (costMs - this.costMs);
    this.lastAt = this.clock();
    this.dueAt = this.lastAt + this.intervalMs();
    this.skipMilestones(progress);
  }

  /** After a resume: milestones at or below the restored progress count as done. */
  restore(progress: number): void {
    this.skipMilestones(progress);
  }

  /** Moving average of measured checkpoint cost, ms (-1 before the first one). */
  get measuredCostMs(): number {
    return this.costMs;
  }

  /**
   * The interval in force. AUTOMATIC uses Young/Daly's optimum sqrt(2·C·M) for checkpoint
   * cost C and mean time between failures M, clamped to [minIntervalMs, maxIntervalMs], and
   * never shorter than C / maxOverhead so checkpointing stays within its overhead budget.
   * Before any cost is measured it starts at minIntervalMs, which measures C early.
   */
  intervalMs(): number {
    const o = this.o;
    if (o.strategy !== 'automatic') return o.checkpointIntervalMs;
    if (this.costMs < 0) return o.minIntervalMs;
    const youngDaly = Math.sqrt(2 * this.costMs * o.expectedMtbfMs);
    const clamped = Math.min(o.maxIntervalMs, Math.max(o.minIntervalMs, youngDaly));
    return Math.max(clamped, this.costMs / o.maxOverhead);
  }

  private skipMilestones(progress: number): void {
    const m = this.o.milestones;
    while (this.nextMilestone < m.length && m[this.nextMilestone] <= progress) this.nextMilestone++;
  }
}
