/**
 * The headline numbers: jobs by status, and for the last hour the takeovers, the median
 * takeover time (dead owner's last heartbeat → takeover), checkpoint count and mean size, and
 * the work saved by resuming instead of restarting (see `workSaved` in timeline.ts).
 */
import type { JobEvent, JobStatus, NodeRow } from '../store/records.js';
import type { Store } from '../store/store.js';
import { median, takeoverMs } from './incarnations.js';
import type { RecentWindow } from './recent-window.js';
import { buildTimeline, workSaved } from './timeline.js';

export interface Totals {
  jobs: Partial<Record<JobStatus, number>>;
  takeoversLastHour: number;
  medianTakeoverMs: number | null;
  checkpointsLastHour: number;
  meanCheckpointBytes: number | null;
  workSavedMs: number;
  /** Takeovers whose saved work is still being worked out. */
  workSavedPending: number;
  /** The checkpoint window hit its cap: checkpoint figures cover less than the hour. */
  capped: boolean;
}

/** Work saved per takeover event id: computed once from the job's events, then kept. */
export class SavedWork {
  private readonly byEvent = new Map<number, number>();

  /** Works out up to `budget` takeovers not seen yet (one events read each). */
  async update(
    store: Store,
    takeovers: Iterable<JobEvent>,
    nodes: readonly NodeRow[],
    now: number,
    budget = 10,
  ): Promise<void> {
    for (const e of takeovers) {
      if (budget <= 0) return;
      if (this.byEvent.has(e.id)) continue;
      budget--;
      const events = (await store.listEvents(e.jobId)).filter((x) => x.id <= e.id);
      const timeline = buildTimeline({ events, nodes, now, running: true });
      this.byEvent.set(e.id, workSaved(timeline, e.attempt ?? -1));
    }
  }

  get(eventId: number): number | undefined {
    return this.byEvent.get(eventId);
  }

  /** Forgets takeovers that left the window. */
  retain(ids: ReadonlySet<number>): void {
    for (const id of this.byEvent.keys()) if (!ids.has(id)) this.byEvent.delete(id);
  }
}

export function computeTotals(
  window: RecentWindow,
  nodes: readonly NodeRow[],
  jobs: Partial<Record<JobStatus, number>>,
  saved: SavedWork,
): Totals {
  const takeovers = [...window.takeovers.values()];
  const times = takeovers
    .map((e) => takeoverMs(nodes, e.data?.fromNode as string | undefined, e.at))
    .filter((t) => t !== null);
  let bytes = 0;
  for (const c of window.checkpoints.values()) bytes += c.sizeBytes;
  const cps = window.checkpoints.size;
  const savedEach = takeovers.map((e) => saved.get(e.id));
  return {
    jobs,
    takeoversLastHour: takeovers.length,
    medianTakeoverMs: median(times),
    checkpointsLastHour: cps,
    meanCheckpointBytes: cps === 0 ? null : bytes / cps,
    workSavedMs: savedEach.reduce<number>((sum, ms) => sum + (ms ?? 0), 0),
    workSavedPending: savedEach.filter((ms) => ms === undefined).length,
    capped: window.capped,
  };
}
