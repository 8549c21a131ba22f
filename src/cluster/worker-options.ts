/** Worker options, validated and normalised once. */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { CheckpointOptions } from '../checkpoint/options.js';
import { BatonError, ErrorCode } from '../errors.js';
import { consoleLogger, type Logger } from '../logger.js';
import { validateName } from '../names.js';
import { defaultStoreUrl, type StoreLike } from '../store/open-store.js';
import type { AnyTask, TaskDefinition } from './define-task.js';

export interface WorkerOptions {
  /** Store instance or URL. @defaultValue BATON_STORE, else 'sqlite:./data/baton.db' */
  store?: StoreLike;
  /** Tasks this node serves. */
  tasks: AnyTask[] | Record<string, AnyTask>;
  /** Human label of this node. @defaultValue `<host>-<pid>-<random>` */
  nodeId?: string;
  /** Jobs run at once. @defaultValue 4 */
  concurrency?: number;
  /** How often the node proves it is alive, ms. @defaultValue 1000 */
  heartbeatIntervalMs?: number;
  /** A node silent this long (store clock) is declared dead and its jobs taken over, ms. @defaultValue 5000 */
  heartbeatTimeoutMs?: number;
  /** Stop heartbeating when the event loop has not run for this long, so a hung node is recovered, ms. @defaultValue 300_000 */
  maxEventLoopStallMs?: number;
  /** With a backup node, how long others wait before taking over a dead node's job, ms. @defaultValue 2 × heartbeatIntervalMs */
  backupGraceMs?: number;
  /** First retry delay after an error; doubles each attempt, with jitter, ms. @defaultValue 1000 */
  retryBaseDelayMs?: number;
  /** Longest retry delay, ms. @defaultValue 60_000 */
  retryMaxDelayMs?: number;
  checkpoint?: CheckpointOptions;
  logger?: Logger;
}

export interface NormalizedWorkerOptions {
  readonly store: StoreLike;
  readonly tasks: ReadonlyMap<string, TaskDefinition>;
  readonly nodeId: string;
  readonly concurrency: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly maxEventLoopStallMs: number;
  readonly backupGraceMs: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly checkpoint: CheckpointOptions;
  readonly logger: Logger;
}

function int(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new BatonError(ErrorCode.INVALID_OPTION, `Worker option ${name} = ${JSON.stringify(v)} is invalid: expected a number of at least ${min}`);
  }
  return v;
}

export function normalizeWorkerOptions(o: WorkerOptions): NormalizedWorkerOptions {
  const list = Array.isArray(o.tasks) ? o.tasks : Object.values(o.tasks ?? {});
  const tasks = new Map<string, TaskDefinition>();
  for (const t of list) tasks.set(t.name, t);
  if (tasks.size === 0) throw new BatonError(ErrorCode.INVALID_OPTION, 'a Worker needs at least one task (defineTask)');
  const heartbeatIntervalMs = int('heartbeatIntervalMs', o.heartbeatIntervalMs, 1000, 10);
  const heartbeatTimeoutMs = int('heartbeatTimeoutMs', o.heartbeatTimeoutMs, 5000, 10);
  if (heartbeatTimeoutMs <= heartbeatIntervalMs) {
    throw new BatonError(ErrorCode.INVALID_OPTION, `heartbeatTimeoutMs (${heartbeatTimeoutMs}) must exceed heartbeatIntervalMs (${heartbeatIntervalMs}): several beats must fit in one timeout`);
  }
  if (o.nodeId !== undefined) validateName('nodeId', o.nodeId);
  return Object.freeze({
    store: o.store ?? defaultStoreUrl(),
    tasks,
    nodeId: o.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`,
    concurrency: int('concurrency', o.concurrency, 4, 1),
    heartbeatIntervalMs,
    heartbeatTimeoutMs,
    maxEventLoopStallMs: int('maxEventLoopStallMs', o.maxEventLoopStallMs, 300_000, 1),
    backupGraceMs: int('backupGraceMs', o.backupGraceMs, 2 * heartbeatIntervalMs, 0),
    retryBaseDelayMs: int('retryBaseDelayMs', o.retryBaseDelayMs, 1000, 0),
    retryMaxDelayMs: int('retryMaxDelayMs', o.retryMaxDelayMs, 60_000, 0),
    checkpoint: o.checkpoint ?? {},
    logger: o.logger ?? consoleLogger(),
  });
}

/** Exponential backoff with full jitter: a random delay up to base·2^(n-1), capped. */
export function retryDelayMs(errorsSoFar: number, o: Pick<NormalizedWorkerOptions, 'retryBaseDelayMs' | 'retryMaxDelayMs'>): number {
  const ceiling = Math.min(o.retryMaxDelayMs, o.retryBaseDelayMs * 2 ** Math.max(0, errorsSoFar - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
