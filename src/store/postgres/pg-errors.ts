/**
 * Driver errors → coded BatonErrors. A lost or refused connection is STORE_UNAVAILABLE and
 * retryable; messages name host:port/database, never the password.
 */
import { BatonError, ErrorCode } from '../../errors.js';

/** Node socket codes and SQLSTATEs meaning "the server or the connection is gone". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'EHOSTDOWN', 'ENETDOWN', 'ECONNABORTED',
  '57P01', // admin_shutdown (also pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
]);
/** pg reports some connection failures without a code. */
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error|not queryable|Client was closed/i;
/** SQLSTATEs worth retrying: serialization failure, deadlock, lock or statement timeout, too many connections. */
const RETRYABLE_CODES = /^(40001|40P01|55P03|57014|53\d\d\d)$/;

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isConnectionError(err: unknown): boolean {
  if (err instanceof BatonError) return false;
  const code = codeOf(err);
  if (code !== undefined) return CONNECTION_CODES.has(code) || code.startsWith('08');
  return err instanceof Error && CONNECTION_MESSAGES.test(err.message);
}

/**
 * Thrown by PgDb when a statement was sent but its reply never came: whether it committed is
 * unknown. Callers that can read their write back do so before concluding anything.
 */
export class Unanswered extends Error {
  constructor(
    readonly original: unknown,
    /** The server process that ran the statement: it may still be running it. */
    readonly backendPid: number | undefined,
  ) {
    super('the connection was lost before the statement returned');
  }
}

/** Maps a driver error to a BatonError naming `target` (host:port/database); BatonErrors pass through. */
export function storeError(err: unknown, target: string): Error {
  if (err instanceof Unanswered) return storeError(err.original, target);
  if (err instanceof BatonError) return err;
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const codeText = code === undefined ? '' : ` (${code})`;
  if (isConnectionError(err)) {
    return new BatonError(
      ErrorCode.STORE_UNAVAILABLE,
      `Postgres store ${target} is unavailable: ${message}${codeText}: check that the server is running and reachable; the operation can be retried`,
      { cause: err, retryable: true },
    );
  }
  if (code === undefined) return err instanceof Error ? err : new Error(message);
  const retryable = RETRYABLE_CODES.test(code);
  const hint = retryable
    ? 'the server is busy; the operation can be retried'
    : code === '28P01' || code === '28000'
      ? 'check the user name and password in the store URL'
      : code === '3D000'
        ? 'create the database first, or point the store URL at an existing one'
        : 'check the server log';
  return new BatonError(ErrorCode.STORE_UNAVAILABLE, `Postgres store ${target}: ${message}${codeText}: ${hint}`, {
    cause: err,
    retryable,
  });
}
