/**
 * Names Baton stores (job ids, task names, step ids, node labels) are kept and shown verbatim:
 * quotes, slashes and emoji are fine, as they only travel as bound SQL parameters. Refused:
 * non-strings, empty, over-long, and NUL, which Postgres text cannot hold.
 */
import { BatonError, ErrorCode } from './errors.js';

/** Longest name accepted, in characters. */
export const MAX_NAME_LENGTH = 255;

export function validateName(kind: string, value: unknown, code: ErrorCode = ErrorCode.INVALID_OPTION): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new BatonError(code, `${kind} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  if (value.length > MAX_NAME_LENGTH) {
    throw new BatonError(code, `${kind} is ${value.length} characters long; the limit is ${MAX_NAME_LENGTH}: use a shorter one (a hash of a long key works)`);
  }
  if (value.includes('\0')) {
    throw new BatonError(code, `${kind} ${JSON.stringify(value)} contains a NUL character, which cannot be stored: remove it`);
  }
}
