/**
 * The steady stream of jobs: keeps about `target` chaos jobs unfinished, polling their status
 * and topping up. Every store call may fail while the database restarts or is locked; the
 * stream then simply tries again on its next tick (a submit is retried under the same job id,
 * which makes it idempotent).
 */
import { Client } from '../src/cluster/client.js';
import { FINISHED } from '../src/cluster/job-info.js';
import type { Store } from '../src/store/store.js';
import { CHAOS_TASK, randomInput, type ChaosInput } from './chaos-task.js';
import type { Rng } from './prng.js';

export class JobStream {
  /** Every job the store acknowledged, with its input. */
  readonly submitted = new Map<string, ChaosInput>();
  private readonly unfinished = new Set<string>();
  private next: { id: string; input: ChaosInput } | null = null;
  private counter = 0;
  private readonly client: Client;
  submitErrors = 0;

  constructor(
    private readonly store: Store,
    private readonly r: Rng,
    private readonly prefix: string,
    private readonly target: number,
  ) {
    this.client = new Client({ store });
  }

  get pending(): number {
    return this.unfinished.size;
  }

  /** Polls the unfinished jobs, then (when `submit`) tops the stream up to its target. */
  async tick(submit: boolean): Promise<void> {
    for (const id of [...this.unfinished]) {
      try {
        const job = await this.store.getJob(id);
        if (job !== null && FINISHED.has(job.status)) this.unfinished.delete(id);
      } catch {
        return; // the store is down or locked: next tick
      }
    }
    while (submit && this.unfinished.size < this.target) {
      this.next ??= { id: `${this.prefix}-${++this.counter}`, input: randomInput(this.r) };
      try {
        await this.client.submit(CHAOS_TASK, this.next.input, {
          jobId: this.next.id,
          maxCrashes: 1000,
          maxAttempts: 3,
        });
      } catch {
        this.submitErrors++;
        return;
      }
      this.submitted.set(this.next.id, this.next.input);
      this.unfinished.add(this.next.id);
      this.next = null;
    }
  }

  /**
   * When submitting stops: a submit whose reply was lost may still have landed; if the store
   * has that job, it is part of the run.
   */
  async settle(): Promise<void> {
    const next = this.next;
    if (next === null) return;
    for (let i = 0; i < 100; i++) {
      try {
        if ((await this.store.getJob(next.id)) !== null) {
          this.submitted.set(next.id, next.input);
          this.unfinished.add(next.id);
        }
        this.next = null;
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Ticks every `everyMs` until `stop()` returns true. */
  async run(submit: () => boolean, stop: () => boolean, everyMs = 100): Promise<void> {
    while (!stop()) {
      await this.tick(submit());
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
