/**
 * Prepared-statement cache: better-sqlite3 compiles a statement on `prepare`, which costs more
 * than running it, so each SQL text is prepared once per connection and reused.
 */
import type Database from 'better-sqlite3';
import type { Db } from './connection.js';

export class Statements {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(readonly db: Db) {}

  get(sql: string): Database.Statement {
    let stmt = this.cache.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  /** Runs `fn` in a `BEGIN IMMEDIATE` transaction: synchronous, never spanning an await. */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
