/**
 * The last hour of takeover and checkpoint events, kept in memory and grown by each poll with
 * only what is new, so the totals never re-read an hour of history. Checkpoints keep just
 * (time, size); past `maxCheckpoints` the oldest are dropped and the totals say so.
 */
import type { JobEvent } from '../store/records.js';
import type { Store } from '../store/store.js';

export const HOUR_MS = 3_600_000;
const PAGE = 2000;

export class RecentWindow {
  /** By event id, in arrival order (about time order). */
  readonly takeovers = new Map<number, JobEvent>();
  readonly checkpoints = new Map<number, { at: number; sizeBytes: number }>();
  /** True once checkpoints were dropped to stay under the cap. */
  capped = false;

  constructor(private readonly maxCheckpoints = 200_000) {}

  /** Reads the takeover and checkpoint events at or after `since` (paged); ignores ids already held. */
  async update(store: Store, since: number): Promise<void> {
    for (let from = since, pages = 0; pages < 100; pages++) {
      const page = await store.listRecentEvents({ since: from, types: ['takeover', 'checkpoint'], limit: PAGE });
      for (const e of page) this.add(e);
      if (page.length < PAGE) return;
      const last = page[page.length - 1].at;
      // A full page within one millisecond cannot advance by time: skip past it (the totals
      // then miss what lies beyond 2,000 events stamped with the same millisecond).
      from = last > from ? last : last + 1;
    }
  }

  prune(cutoff: number): void {
    for (const [id, e] of this.takeovers) {
      if (e.at >= cutoff) break;
      this.takeovers.delete(id);
    }
    for (const [id, c] of this.checkpoints) {
      if (c.at >= cutoff) break;
      this.checkpoints.delete(id);
    }
  }

  private add(e: JobEvent): void {
    if (e.type === 'takeover') {
      this.takeovers.set(e.id, e);
    } else if (!this.checkpoints.has(e.id)) {
      this.checkpoints.set(e.id, { at: e.at, sizeBytes: Number(e.data?.sizeBytes ?? 0) });
      if (this.checkpoints.size > this.maxCheckpoints) {
        this.checkpoints.delete(this.checkpoints.keys().next().value!);
        this.capped = true;
      }
    }
  }
}
