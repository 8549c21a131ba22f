import { BatonError, ErrorCode } from '../errors.js';

/** Longest job id accepted, in characters. */
export const MAX_JOB_ID_LENGTH = 255;

/**
 * Job ids are stored and shown verbatim (quotes, slashes, emoji are fine: they only ever travel
 * as bound SQL parameters). Refused: non-strings, empty, over-long, and NUL, which Postgres
 * text cannot hold.
 */
export function validateJobId(jobId: unknown): asserts jobId is string {
  if (typeof jobId !== 'string' || jobId.length === 0) {
    throw new BatonError(ErrorCode.INVALID_JOB_ID, `job id must be a non-empty string, got ${JSON.stringify(jobId)}`);
  }
  if (jobId.length > MAX_JOB_ID_LENGTH) {
    throw new BatonError(ErrorCode.INVALID_JOB_ID, `job id is ${jobId.length} characters long; the limit is ${MAX_JOB_ID_LENGTH}: use a shorter id (a hash of a long key works)`);
  }
  if (jobId.includes('\0')) {
    throw new BatonError(ErrorCode.INVALID_JOB_ID, `job id ${JSON.stringify(jobId)} contains a NUL character, which cannot be stored: remove it`);
  }
}
