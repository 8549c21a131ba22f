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

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

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
    const outcomes: Outcome[] = [];
    let rest: Pending[] = [];
    try {
      this.s.write(() => {
        for (const [i, item] of batch.entries()) {
          // A write that fails hard (the disk filled up) can make SQLite roll the whole
          // transaction back; the writes behind it must not then run (and commit) on their own.
          if (!this.s.db.inTransaction) {
            rest = batch.slice(i);
            break;
          }
          try {
            outcomes.push({ ok: true, value: this.s.db.transaction(item.fn)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // Nothing that ran committed; the commit's own error ("no transaction is active") would
      // hide the cause, so each write gets its own error, or the first write's error.
      const cause = outcomes.find((o) => !o.ok);
      outcomes.forEach((own, i) => batch[i].reject(!own.ok ? own.error : cause !== undefined && !cause.ok ? cause.error : error));
      // The transaction never began (busy past the timeout): every write fails, retryably.
      if (rest.length === 0) for (const item of batch.slice(outcomes.length)) item.reject(error);
      this.retry(rest);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? batch[i].resolve(o.value) : batch[i].reject(o.error)));
    this.retry(rest);
  }

  /** Writes that never ran go first into the next transaction. */
  private retry(rest: Pending[]): void {
    if (rest.length === 0) return;
    const wasEmpty = this.queue.length === 0;
    this.queue.unshift(...rest);
    if (wasEmpty) setImmediate(() => this.flush());
  }
}
