/**
 * Bytes that really reach storage, next to Baton's own accounting (ctx.stats.bytesWritten):
 * this process's `write_bytes` from /proc/self/io (SQLite writes from this process, WAL
 * included), and the Postgres server's WAL position (server-wide: other clients' writes in the
 * same interval count too, so take medians).
 */
import { readFileSync } from 'node:fs';
import { pg } from './env.mjs';

/** Bytes this process has sent to the storage layer so far (NaN where /proc is missing). */
export function processWriteBytes() {
  try {
    const m = /write_bytes:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** A reader of the server's WAL insert position, in bytes. */
export async function walReader(url) {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return {
    async position() {
      const { rows } = await client.query("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::float8 AS b");
      return rows[0].b;
    },
    close: () => client.end(),
  };
}
