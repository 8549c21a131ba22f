import type { JobEvent } from '../records.js';
import { toJobEvent } from '../row-mappers.js';
import type { NewJobEvent } from '../store.js';
import type { Sql } from './pool.js';
import { NOW_MS } from './schema.js';

/** Columns and values of an event insert, for statements that record one alongside their write. */
export const EVENT_COLUMNS = '(job_id, type, at, node_id, attempt, epoch, data)';

export async function appendEvent(sql: Sql, e: NewJobEvent): Promise<void> {
  await sql.query(`INSERT INTO baton_events ${EVENT_COLUMNS} VALUES ($1, $2, ${NOW_MS}, $3, $4, $5, $6)`, [
    e.jobId,
    e.type,
    e.nodeId ?? null,
    e.attempt ?? null,
    e.epoch ?? null,
    e.data === undefined || e.data === null ? null : JSON.stringify(e.data),
  ]);
}

export async function listRecentEvents(sql: Sql, q: { since: number; types?: readonly string[]; limit?: number }): Promise<JobEvent[]> {
  const rows = await sql.query(
    'SELECT * FROM baton_events WHERE at >= $1 AND ($2::text[] IS NULL OR type = ANY($2)) ORDER BY at, id LIMIT $3',
    [q.since, q.types === undefined ? null : [...q.types], q.limit ?? 1000],
  );
  return rows.map(toJobEvent);
}

export async function listEvents(sql: Sql, jobId: string): Promise<JobEvent[]> {
  return (await sql.query('SELECT * FROM baton_events WHERE job_id = $1 ORDER BY id', [jobId])).map(toJobEvent);
}
