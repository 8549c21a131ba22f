/**
 * Applies the numbered migrations once each, in one transaction under an advisory lock: two
 * processes starting together cannot both apply a migration; the second waits, then sees it
 * done. A failed migration rolls back whole.
 */
import type { PgDb } from './pool.js';
import { migrations, NOW_MS } from './schema.js';

/** 'baton' in ASCII: the advisory lock key of Baton's migrations in this database. */
const MIGRATION_LOCK = 0x6261746f6e;

export async function migrate(db: PgDb): Promise<void> {
  await db.transaction(async (sql) => {
    await sql.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await sql.query(`CREATE TABLE IF NOT EXISTS baton_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const rows = await sql.query('SELECT version FROM baton_migrations');
    const done = new Set(rows.map((r) => Number(r.version)));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await sql.query(m.sql);
      await sql.query(`INSERT INTO baton_migrations (version, name, applied_at) VALUES ($1, $2, ${NOW_MS})`, [m.version, m.name]);
    }
  });
}
