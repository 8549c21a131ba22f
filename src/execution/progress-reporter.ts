/**
 * Keeps the job row's progress and current step roughly current between checkpoints (for
 * `baton watch` and the dashboard): at most one fenced write per interval, never awaited by
 * the task, and never more than one in flight.
 */
import { isBatonError, ErrorCode, type BatonError } from '../errors.js';
import type { Fence, Store } from '../store/store.js';

export class ProgressReporter {
  private lastAt = 0;
  private inFlight = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly fence: Fence,
    private readonly intervalMs: number,
    private readonly onLeaseLost: (err: BatonError) => void,
  ) {}

  report(progress: number, step: string | null): void {
    if (this.stopped || this.intervalMs <= 0 || this.inFlight) return;
    const now = performance.now();
    if (now - this.lastAt < this.intervalMs) return;
    this.lastAt = now;
    this.inFlight = true;
    this.store
      .reportProgress(this.fence, progress, step)
      .catch((err: unknown) => {
        if (isBatonError(err, ErrorCode.LEASE_LOST) && !this.stopped) this.onLeaseLost(err);
      })
      .finally(() => {
        this.inFlight = false;
      });
  }

  stop(): void {
    this.stopped = true;
  }
}
