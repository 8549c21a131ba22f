/**
 * One poll of the store for the live feed, bounded whatever the store holds: the events since
 * the previous poll (keyset by time, re-reading a short overlap so late commits are not
 * missed, deduplicated by id), the nodes, counts by status, and the running jobs (progress
 * changes write no event, so running rows are compared with the previous poll's).
 */
import type { JobEvent } from '../store/records.js';
import type { Store } from '../store/store.js';
import { deadOwner } from './incarnations.js';
import { HOUR_MS, RecentWindow } from './recent-window.js';
import { computeTotals, SavedWork, type Totals } from './totals.js';
import { nodeView, type NodeView } from './views.js';

/** Events can commit a little after their timestamp (a transaction in flight): re-read this much. */
const OVERLAP_MS = 2000;
const EVENT_PAGE = 1000;
const EVENT_PAGES = 5;
const RUNNING_LIMIT = 1000;

export interface Overview {
  now: number;
  store: string;
  nodes: NodeView[];
  totals: Totals;
  /** Tasks served by live nodes, for the task filter. */
  tasks: string[];
}

export interface PollResult {
  overview: Overview;
  /** Jobs with new events or changed progress since the previous poll. */
  changed: string[];
  /** Jobs submitted since the previous poll. */
  submitted: number;
  /** More changed than one poll reads: clients should reload what they show. */
  overflow: boolean;
}

export class StorePoller {
  private cursor: number | null = null;
  private readonly seen = new Map<number, number>();
  private readonly running = new Map<string, string>();
  private readonly window = new RecentWindow();
  private readonly saved = new SavedWork();

  constructor(private readonly store: Store) {}

  async poll(): Promise<PollResult> {
    const { store } = this;
    const now = await store.now();
    const since = this.cursor === null ? now - OVERLAP_MS : this.cursor - OVERLAP_MS;
    await this.window.update(store, this.cursor === null ? now - HOUR_MS : since);
    this.window.prune(now - HOUR_MS);
    const { events, overflow } = await this.readEvents(since);
    this.cursor = now;
    const [nodes, jobs, running] = await Promise.all([
      store.listNodes(),
      store.countJobs(),
      store.listJobs({ status: 'running', limit: RUNNING_LIMIT }),
    ]);
    const changed = new Set(events.map((e) => e.jobId));
    const runningNow = new Map(
      running.map((j) => [j.id, `${j.progress}|${j.currentStep}|${j.attempt}|${j.ownerLabel}`]),
    );
    for (const [id, sig] of runningNow) if (this.running.get(id) !== sig) changed.add(id);
    this.running.clear();
    for (const [id, sig] of runningNow) this.running.set(id, sig);

    await this.saved.update(store, this.window.takeovers.values(), nodes, now);
    this.saved.retain(new Set(this.window.takeovers.keys()));
    const takenOver = new Map<string, NodeView['takenOver']>();
    for (const e of this.window.takeovers.values()) {
      const owner = deadOwner(nodes, e.data?.fromNode as string | undefined, e.at);
      if (owner !== null)
        takenOver.set(owner.id, [
          ...(takenOver.get(owner.id) ?? []),
          { jobId: e.jobId, toNode: e.nodeId ?? '?', at: e.at },
        ]);
    }
    const shown = nodes.filter((n) => n.status === 'alive' || now - (n.deadAt ?? now) < HOUR_MS).slice(0, 200);
    const overview: Overview = {
      now,
      store: store.url,
      nodes: shown.map((n) => nodeView(n, takenOver.get(n.id) ?? [])),
      totals: computeTotals(this.window, nodes, jobs, this.saved),
      tasks: [...new Set(nodes.filter((n) => n.status === 'alive').flatMap((n) => n.tasks))].sort(),
    };
    return {
      overview,
      changed: [...changed],
      submitted: events.filter((e) => e.type === 'submitted').length,
      overflow,
    };
  }

  /** New events at or after `since`, in pages; stops at EVENT_PAGES and reports the overflow. */
  private async readEvents(since: number): Promise<{ events: JobEvent[]; overflow: boolean }> {
    const fresh: JobEvent[] = [];
    let from = since;
    let overflow = true;
    for (let i = 0; i < EVENT_PAGES; i++) {
      const page = await this.store.listRecentEvents({ since: from, limit: EVENT_PAGE });
      for (const e of page) {
        if (this.seen.has(e.id)) continue;
        fresh.push(e);
        this.seen.set(e.id, e.at);
      }
      if (page.length < EVENT_PAGE) {
        overflow = false;
        break;
      }
      const last = page[page.length - 1].at;
      if (last <= from) break; // a full page within one millisecond: cannot page on by time
      from = last;
    }
    for (const [id, at] of this.seen) if (at < since) this.seen.delete(id);
    return { events: fresh, overflow };
  }
}
