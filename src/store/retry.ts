/**
 * Retries a store call while the store is unavailable (SQLite busy, Postgres restarting):
 * such errors are retryable and consume no attempt of the job. Fenced writes are safe to
 * repeat: a write that did commit before the connection dropped either is read back by the
 * store (Postgres) or makes the repeat fail the fence, never apply twice.
 */
import { isBatonError } from '../errors.js';

export interface RetryOptions {
  /** Give up after this long, ms. @defaultValue 120_000 */
  maxMs?: number;
  signal?: AbortSignal;
  onRetry?: (err: Error, attempt: number) => void;
}

export async function retryStoreCall<T>(fn: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const deadline = performance.now() + (o.maxMs ?? 120_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isBatonError(err) || !err.retryable || performance.now() > deadline || o.signal?.aborted) throw err;
      o.onRetry?.(err, attempt);
      await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** Math.min(attempt, 6))));
    }
  }
}
