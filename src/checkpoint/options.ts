/** CheckpointManager options, validated and normalised once into a frozen object. */
import { BatonError, ErrorCode } from '../errors.js';
import { consoleLogger, type Logger } from '../logger.js';
import { defaultStoreUrl, type StoreLike } from '../store/open-store.js';
import { CheckpointStrategy, isCheckpointStrategy, type Clock, monotonicClock } from './strategy.js';

export interface CheckpointOptions {
  /** When to checkpoint. @defaultValue CheckpointStrategy.AUTOMATIC */
  strategy?: CheckpointStrategy | `${CheckpointStrategy}`;
  /** TIME_BASED interval, ms. @defaultValue 30_000 */
  checkpointIntervalMs?: number;
  /** PROGRESS_BASED milestones, fractions in (0, 1). @defaultValue [0.25, 0.5, 0.75] */
  milestones?: number[];
  /** How many newest checkpoints of a job are kept. @defaultValue 3 */
  keepCheckpoints?: number;
  /** AUTOMATIC: expected time between failures of a node, ms. @defaultValue 3_600_000 (one hour) */
  expectedMtbfMs?: number;
  /** AUTOMATIC: shortest interval, ms. @defaultValue 1_000 */
  minIntervalMs?: number;
  /** AUTOMATIC: longest interval, ms. @defaultValue 300_000 */
  maxIntervalMs?: number;
  /** AUTOMATIC: largest fraction of the job's time spent checkpointing. @defaultValue 0.01 */
  maxOverhead?: number;
  /** Keep a job's checkpoints after it completes (otherwise deleted). @defaultValue false */
  keepOnSuccess?: boolean;
}

export interface CheckpointManagerOptions extends CheckpointOptions {
  /** Human label of this node, shown in checkpoints and events. @defaultValue `<host>-<pid>` */
  nodeId?: string;
  /** Store instance or URL. @defaultValue BATON_STORE, else 'sqlite:./data/baton.db' */
  store?: StoreLike;
  logger?: Logger;
  /** Monotonic clock for strategies (tests inject a fake one). */
  clock?: Clock;
}

export type NormalizedCheckpointOptions = Readonly<Required<Omit<CheckpointOptions, 'milestones' | 'strategy'>>> & {
  readonly strategy: CheckpointStrategy;
  readonly milestones: readonly number[];
  readonly clock: Clock;
};

function invalid(name: string, value: unknown, want: string): BatonError {
  return new BatonError(ErrorCode.INVALID_OPTION, `option ${name} = ${JSON.stringify(value)} is invalid: ${want}`);
}

function positive(name: string, value: number | undefined, fallback: number, min = 0): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= min) throw invalid(name, v, `expected a number above ${min}`);
  return v;
}

export function normalizeCheckpointOptions(o: CheckpointOptions & { clock?: Clock } = {}): NormalizedCheckpointOptions {
  const strategy = o.strategy ?? CheckpointStrategy.AUTOMATIC;
  if (!isCheckpointStrategy(strategy)) throw invalid('strategy', strategy, `one of ${Object.values(CheckpointStrategy).join(', ')}`);
  const milestones = [...(o.milestones ?? [0.25, 0.5, 0.75])].sort((a, b) => a - b);
  for (const m of milestones) if (!(m > 0 && m <= 1)) throw invalid('milestones', o.milestones, 'fractions in (0, 1]');
  const keep = o.keepCheckpoints ?? 3;
  if (!Number.isInteger(keep) || keep < 1) throw invalid('keepCheckpoints', keep, 'an integer of at least 1');
  const maxOverhead = positive('maxOverhead', o.maxOverhead, 0.01);
  if (maxOverhead >= 1) throw invalid('maxOverhead', maxOverhead, 'a fraction below 1');
  const minIntervalMs = positive('minIntervalMs', o.minIntervalMs, 1_000);
  const maxIntervalMs = positive('maxIntervalMs', o.maxIntervalMs, 300_000);
  if (maxIntervalMs < minIntervalMs) throw invalid('maxIntervalMs', maxIntervalMs, `at least minIntervalMs (${minIntervalMs})`);
  return Object.freeze({
    strategy,
    checkpointIntervalMs: positive('checkpointIntervalMs', o.checkpointIntervalMs, 30_000),
    milestones: Object.freeze(milestones),
    keepCheckpoints: keep,
    expectedMtbfMs: positive('expectedMtbfMs', o.expectedMtbfMs, 3_600_000),
    minIntervalMs,
    maxIntervalMs,
    maxOverhead,
    keepOnSuccess: o.keepOnSuccess ?? false,
    clock: o.clock ?? monotonicClock,
  });
}

export function resolveManagerBasics(o: CheckpointManagerOptions): { store: StoreLike; logger: Logger } {
  return { store: o.store ?? defaultStoreUrl(), logger: o.logger ?? consoleLogger() };
}
