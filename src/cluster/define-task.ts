/** A task: a named, versioned async function that Workers serve and Clients submit to. */
import type { CheckpointStrategy } from '../checkpoint/strategy.js';
import { BatonError, ErrorCode } from '../errors.js';
import { validateName } from '../names.js';
import type { ResumableContext } from '../execution/resumable-context.js';

export interface TaskOptions<I, R> {
  /** Unique name jobs are submitted under. */
  name: string;
  /** Recorded on each job; informational. */
  version?: string;
  run: (ctx: ResumableContext, input: I) => R | Promise<R>;
  /** Overrides the Worker's checkpoint strategy for this task. */
  strategy?: CheckpointStrategy | `${CheckpointStrategy}`;
  /** Runs that may end in an error before the job fails (a submit option overrides it). @defaultValue 3 */
  maxAttempts?: number;
  /** A run longer than this is aborted through ctx.signal and counts as an error, ms. */
  timeoutMs?: number;
}

export interface TaskDefinition<I = unknown, R = unknown> extends Readonly<TaskOptions<I, R>> {
  readonly kind: 'baton-task';
}

export function defineTask<I = unknown, R = unknown>(options: TaskOptions<I, R>): TaskDefinition<I, R> {
  validateName('task name', options.name);
  if (typeof options.run !== 'function') {
    throw new BatonError(ErrorCode.INVALID_OPTION, `task "${options.name}" needs a run function`);
  }
  return Object.freeze({ ...options, kind: 'baton-task' as const });
}

export function isTaskDefinition(value: unknown): value is TaskDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'baton-task';
}

/** Any task, whatever its input and result types (task inputs are contravariant, hence `any`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = TaskDefinition<any, any>;
