/** The Postgres server every system is measured against: one fresh database per use, dropped after. */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { PG_ADMIN_URL, pg } from './env.mjs';

async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Null when the server answers, else the reason (the Postgres figures are then skipped). */
export async function postgresUnavailable() {
  try {
    await withClient(PG_ADMIN_URL, (c) => c.query('SELECT 1'));
    return null;
  } catch (err) {
    return `no Postgres at ${PG_ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}: ${err.message}`;
  }
}

/** A fresh database on the bench server: `{ url, drop }`. */
export async function createDatabase(prefix) {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`.toLowerCase();
  await withClient(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      await withClient(PG_ADMIN_URL, async (c) => {
        for (let attempt = 1; ; attempt++) {
          await c.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
            [name],
          );
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name}`);
            return;
          } catch (err) {
            if (err.code !== '55006' || attempt >= 10) throw err;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      });
    },
  };
}

/** Server version and the settings that decide durability. */
export async function postgresInfo() {
  return withClient(PG_ADMIN_URL, async (c) => {
    const row = async (sql) => (await c.query(sql)).rows[0];
    return {
      version: (await row('SHOW server_version')).server_version,
      fsync: (await row('SHOW fsync')).fsync,
      synchronousCommit: (await row('SHOW synchronous_commit')).synchronous_commit,
      walSyncMethod: (await row('SHOW wal_sync_method')).wal_sync_method,
      sharedBuffers: (await row('SHOW shared_buffers')).shared_buffers,
      maxConnections: (await row('SHOW max_connections')).max_connections,
      dataDirectory: await row('SHOW data_directory')
        .then((r) => r.data_directory)
        .catch(() => 'unknown (no privilege)'),
    };
  });
}

/**
 * The Postgres floor: a bare single-row INSERT commit (one round trip, autocommit, a 1 KB
 * bytea, prepared) on a table of its own in `url`. Returns `sample()` → ms, and `close()`.
 */
export async function insertFloor(url, bytes = 1024) {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  await client.query('CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, v bytea NOT NULL)');
  const payload = randomBytes(bytes);
  return {
    async sample() {
      const t0 = performance.now();
      await client.query({
        name: 'bench_floor_insert',
        text: 'INSERT INTO bench_floor (v) VALUES ($1)',
        values: [payload],
      });
      return performance.now() - t0;
    },
    close: () => client.end(),
  };
}
