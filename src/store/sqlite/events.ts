import type { JobEvent } from '../records.js';
import { toJobEvent } from '../row-mappers.js';
import type { NewJobEvent } from '../store.js';
import { NOW_MS } from './schema.js';
import type { Statements } from './statements.js';

export function insertEvent(s: Statements, e: NewJobEvent): void {
  s.get(
    `INSERT INTO baton_events (job_id, type, at, node_id, attempt, epoch, data) VALUES (?, ?, ${NOW_MS}, ?, ?, ?, ?)`,
  ).run(
    e.jobId,
    e.type,
    e.nodeId ?? null,
    e.attempt ?? null,
    e.epoch ?? null,
    e.data === undefined || e.data === null ? null : JSON.stringify(e.data),
  );
}

export function listRecentEvents(s: Statements, q: { since: number; types?: readonly string[]; limit?: number }): JobEvent[] {
  const rows = s
    .get(
      `SELECT * FROM baton_events WHERE at >= @since AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
       ORDER BY at, id LIMIT @limit`,
    )
    .all({ since: q.since, types: q.types === undefined ? null : JSON.stringify(q.types), limit: q.limit ?? 1000 }) as Record<string, unknown>[];
  return rows.map(toJobEvent);
}

export function listEvents(s: Statements, jobId: string): JobEvent[] {
  const rows = s.get('SELECT * FROM baton_events WHERE job_id = ? ORDER BY id').all(jobId) as Record<string, unknown>[];
  return rows.map(toJobEvent);
}
