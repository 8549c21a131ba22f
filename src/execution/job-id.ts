import { ErrorCode } from '../errors.js';
import { validateName } from '../names.js';

/** Job ids follow the rules of every stored name (names.ts), with their own error code. */
export function validateJobId(jobId: unknown): asserts jobId is string {
  validateName('job id', jobId, ErrorCode.INVALID_JOB_ID);
}
