/** Node rows: registration, heartbeats, and the detector's compare-and-set writes. */
import type { NodeRegistration, NodeRow } from '../records.js';
import { toNodeRow } from '../row-mappers.js';
import type { Sql } from './pool.js';
import { NOW_MS } from './schema.js';

const SELECT_NODES = `SELECT n.*, ${NOW_MS} - n.heartbeat_at AS heartbeat_age_ms,
  (SELECT count(*) FROM baton_jobs j WHERE j.owner_node = n.id AND j.status = 'running') AS running_jobs
  FROM baton_nodes n`;

/** Idempotent, so a registration whose reply was lost can run again: an existing id comes back as it is. */
export async function registerNode(sql: Sql, n: NodeRegistration): Promise<NodeRow> {
  const rows = await sql.query(
    `WITH ins AS (
       INSERT INTO baton_nodes (id, label, host, pid, pid_start, status, started_at, heartbeat_at, tasks)
       VALUES ($1, $2, $3, $4, $5, 'alive', ${NOW_MS}, ${NOW_MS}, $6) ON CONFLICT (id) DO NOTHING RETURNING *)
     SELECT * FROM ins UNION ALL SELECT * FROM baton_nodes WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
    [n.id, n.label, n.host, n.pid, n.pidStart, JSON.stringify(n.tasks)],
  );
  return toNodeRow(rows[0]);
}

/** One small write per node per beat, and a HOT update (no indexed column changes). */
export async function heartbeat(sql: Sql, nodeId: string): Promise<boolean> {
  const rows = await sql.query(
    `UPDATE baton_nodes SET heartbeat_at = ${NOW_MS} WHERE id = $1 AND status = 'alive' RETURNING 1`,
    [nodeId],
    'baton_heartbeat',
  );
  return rows.length === 1;
}

export async function stopNode(sql: Sql, nodeId: string): Promise<void> {
  await sql.query(`UPDATE baton_nodes SET status = 'stopped', dead_at = ${NOW_MS} WHERE id = $1 AND status = 'alive'`, [nodeId]);
}

/**
 * One compare-and-set: only rows still alive and still silent are marked. A heartbeat that
 * commits meanwhile wins: Postgres re-checks the WHERE on the row's newest version.
 */
export async function markDeadNodes(sql: Sql, timeoutMs: number): Promise<NodeRow[]> {
  const rows = await sql.query(
    `UPDATE baton_nodes SET status = 'dead', dead_at = ${NOW_MS}
     WHERE status = 'alive' AND heartbeat_at < ${NOW_MS} - $1::bigint
     RETURNING *, dead_at - heartbeat_at AS heartbeat_age_ms`,
    [timeoutMs],
  );
  return rows.map(toNodeRow);
}

export async function declareNodeDead(sql: Sql, nodeId: string): Promise<boolean> {
  const rows = await sql.query(
    `UPDATE baton_nodes SET status = 'dead', dead_at = ${NOW_MS} WHERE id = $1 AND status = 'alive' RETURNING 1`,
    [nodeId],
  );
  return rows.length === 1;
}

export async function getNode(sql: Sql, nodeId: string): Promise<NodeRow | null> {
  const rows = await sql.query(`${SELECT_NODES} WHERE n.id = $1`, [nodeId]);
  return rows.length === 0 ? null : toNodeRow(rows[0]);
}

export async function listNodes(sql: Sql): Promise<NodeRow[]> {
  return (await sql.query(`${SELECT_NODES} ORDER BY n.started_at DESC, n.id`)).map(toNodeRow);
}
