import { createHash } from 'node:crypto';
import { BatonError, ErrorCode } from '../../errors.js';

/** Large checkpoints are stored as rows of this many bytes, so no single BLOB gets huge. */
export const CHUNK_SIZE = 1024 * 1024;

/** sha256, lower-case hex: what chunk and checkpoint verification compare. */
export function hashBytes(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Views of `size` bytes (the last may be shorter), sharing `data`'s memory: no copies. An
 * empty buffer gives one empty chunk, so every checkpoint has at least one chunk row.
 */
export function splitChunks(data: Buffer, size = CHUNK_SIZE): Buffer[] {
  if (!Number.isInteger(size) || size <= 0) {
    throw new BatonError(
      ErrorCode.INVALID_OPTION,
      `chunk size must be a positive integer number of bytes, got ${size}`,
    );
  }
  if (data.length === 0) return [data.subarray(0, 0)];
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
  return chunks;
}

/** One Buffer holding the parts in order (a single copy). */
export function joinChunks(parts: Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}
