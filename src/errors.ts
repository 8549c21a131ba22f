/**
 * Every error a user can meet is a BatonError with a string `code` (stable, for programs) and
 * a message that says what to do (for people). Ids the error concerns ride along.
 */
export const ErrorCode = {
  /** A fenced write was refused: another node (or a newer attempt) owns the job now. */
  LEASE_LOST: 'LEASE_LOST',
  /** executeResumable found the job held by a live owner. */
  JOB_LEASED: 'JOB_LEASED',
  /** A checkpoint failed verification (checksum, chunk hash, or decoding) and no older one was usable. */
  CHECKPOINT_CORRUPT: 'CHECKPOINT_CORRUPT',
  /** A checkpoint was written by a newer Baton whose format this version cannot read. */
  CHECKPOINT_VERSION: 'CHECKPOINT_VERSION',
  /** A value cannot be saved (function, symbol, class instance, too deep). */
  NOT_SERIALIZABLE: 'NOT_SERIALIZABLE',
  /** No task of that name is registered. */
  UNKNOWN_TASK: 'UNKNOWN_TASK',
  /** The store cannot be opened or reached, or is busy; retryable. */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** A store URL that cannot be parsed. */
  INVALID_STORE_URL: 'INVALID_STORE_URL',
  /** Progress outside 0..1 or NaN. */
  INVALID_PROGRESS: 'INVALID_PROGRESS',
  /** A step id used twice in one run. */
  DUPLICATE_STEP: 'DUPLICATE_STEP',
  /** An empty, over-long or otherwise unusable job id. */
  INVALID_JOB_ID: 'INVALID_JOB_ID',
  /** An option with a value out of range or of the wrong type. */
  INVALID_OPTION: 'INVALID_OPTION',
  /** A job id reused for a different task. */
  JOB_CONFLICT: 'JOB_CONFLICT',
  /** No job with that id. */
  JOB_NOT_FOUND: 'JOB_NOT_FOUND',
  /** The job ended as failed; its error is attached. */
  JOB_FAILED: 'JOB_FAILED',
  /** The job was cancelled. */
  JOB_CANCELLED: 'JOB_CANCELLED',
  /** A run, or a wait, took longer than allowed. */
  TIMEOUT: 'TIMEOUT',
  /** The job crashed its node more often than `maxCrashes`. */
  CRASH_LIMIT: 'CRASH_LIMIT',
  /** The operation is not valid in the job's current state. */
  INVALID_STATE: 'INVALID_STATE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorDetails {
  jobId?: string;
  nodeId?: string;
  seq?: number;
  path?: string;
  cause?: unknown;
  /** True when retrying the same operation later may succeed (store busy or down). */
  retryable?: boolean;
}

export class BatonError extends Error {
  readonly code: ErrorCode;
  readonly jobId?: string;
  readonly nodeId?: string;
  readonly seq?: number;
  readonly path?: string;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'BatonError';
    this.code = code;
    this.retryable = details.retryable ?? false;
    if (details.jobId !== undefined) this.jobId = details.jobId;
    if (details.nodeId !== undefined) this.nodeId = details.nodeId;
    if (details.seq !== undefined) this.seq = details.seq;
    if (details.path !== undefined) this.path = details.path;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, jobId: this.jobId, nodeId: this.nodeId };
  }
}

export function isBatonError(err: unknown, code?: ErrorCode): err is BatonError {
  return err instanceof BatonError && (code === undefined || err.code === code);
}

export function leaseLost(jobId: string, epoch: number): BatonError {
  return new BatonError(
    ErrorCode.LEASE_LOST,
    `lease on job "${jobId}" (epoch ${epoch}) was lost: another node or attempt owns it now; this attempt's writes are refused and it must stop`,
    { jobId },
  );
}

/** A plain, serialisable description of an error, as kept on a failed job. */
export interface ErrorInfo {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) {
    const info: ErrorInfo = { name: err.name, message: err.message };
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') info.code = code;
    if (err.stack !== undefined) info.stack = err.stack;
    return info;
  }
  return { name: 'Error', message: String(err) };
}
