/** Node rows: registration, heartbeats, and the detector's compare-and-set writes. */
import type { NodeRegistration, NodeRow } from '../records.js';
import { toNodeRow } from '../row-mappers.js';
import { NOW_MS } from './schema.js';
import type { Statements } from './statements.js';

type Row = Record<string, unknown>;

const SELECT_NODES = `SELECT n.*, ${NOW_MS} - n.heartbeat_at AS heartbeat_age_ms,
  (SELECT count(*) FROM baton_jobs j WHERE j.owner_node = n.id AND j.status = 'running') AS running_jobs
  FROM baton_nodes n`;

export function registerNode(s: Statements, n: NodeRegistration): NodeRow {
  s.get(
    `INSERT INTO baton_nodes (id, label, host, pid, pid_start, status, started_at, heartbeat_at, tasks)
     VALUES (?, ?, ?, ?, ?, 'alive', ${NOW_MS}, ${NOW_MS}, ?)`,
  ).run(n.id, n.label, n.host, n.pid, n.pidStart, JSON.stringify(n.tasks));
  return getNode(s, n.id)!;
}

export function heartbeat(s: Statements, nodeId: string): boolean {
  const r = s.get(`UPDATE baton_nodes SET heartbeat_at = ${NOW_MS} WHERE id = ? AND status = 'alive'`).run(nodeId);
  return r.changes === 1;
}

export function stopNode(s: Statements, nodeId: string): void {
  s.get(`UPDATE baton_nodes SET status = 'stopped', dead_at = ${NOW_MS} WHERE id = ? AND status = 'alive'`).run(
    nodeId,
  );
}

/** One compare-and-set: only rows still alive and still silent are marked. */
export function markDeadNodes(s: Statements, timeoutMs: number): NodeRow[] {
  // Every node runs this each interval: look without the write lock first (see claimJobs).
  const silent = s.get(`SELECT 1 FROM baton_nodes WHERE status = 'alive' AND heartbeat_at < ${NOW_MS} - ? LIMIT 1`).get(timeoutMs);
  if (silent === undefined) return [];
  const rows = s
    .get(
      `UPDATE baton_nodes SET status = 'dead', dead_at = ${NOW_MS}
       WHERE status = 'alive' AND heartbeat_at < ${NOW_MS} - ? RETURNING *`,
    )
    .all(timeoutMs) as Row[];
  return rows.map(toNodeRow);
}

export function declareNodeDead(s: Statements, nodeId: string): boolean {
  return (
    s.get(`UPDATE baton_nodes SET status = 'dead', dead_at = ${NOW_MS} WHERE id = ? AND status = 'alive'`).run(nodeId)
      .changes === 1
  );
}

export function getNode(s: Statements, nodeId: string): NodeRow | null {
  const row = s.get(`${SELECT_NODES} WHERE n.id = ?`).get(nodeId) as Row | undefined;
  return row === undefined ? null : toNodeRow(row);
}

export function listNodes(s: Statements): NodeRow[] {
  return (s.get(`${SELECT_NODES} ORDER BY n.started_at DESC, n.id`).all() as Row[]).map(toNodeRow);
}
