/**
 * Applies the numbered migrations once each. `BEGIN IMMEDIATE` takes SQLite's write lock
 * before reading the applied versions, so two processes starting together cannot both apply
 * one migration: the second waits (busy timeout), then sees it done.
 */
import type { Db } from './connection.js';
import { migrations, NOW_MS } from './schema.js';

export function migrate(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS baton_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const apply = db.transaction(() => {
    const done = new Set(
      (db.prepare('SELECT version FROM baton_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      db.exec(m.sql);
      db.prepare(`INSERT INTO baton_migrations (version, name, applied_at) VALUES (?, ?, ${NOW_MS})`).run(
        m.version,
        m.name,
      );
    }
  });
  apply.immediate();
}
