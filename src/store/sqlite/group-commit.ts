/**
 * Group commit: writes requested in the same turn of the event loop share one transaction,
 * so concurrent jobs in a process pay one fsync for many checkpoints. Each write runs in its
 * own savepoint (better-sqlite3 nests transactions that way): one refused by its fence rolls
 * back alone, the others commit.
 */
import type { Statements } from './statements.js';

interface Pending {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private queue: Pending[] = [];

  constructor(private readonly s: Statements) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.s.write(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.s.db.transaction(item.fn)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // Nothing of the batch committed. When a write failed inside it (the disk filled up),
      // SQLite may have rolled the whole transaction back, and the commit's own error ("no
      // transaction is active") hides that cause: report the cause.
      const cause = outcomes.find((o) => !o.ok);
      for (const [i, item] of batch.entries()) {
        const own = outcomes[i];
        item.reject(own !== undefined && !own.ok ? own.error : cause !== undefined && !cause.ok ? cause.error : error);
      }
      return;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i];
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  }
}
