/**
 * SQLite migrations, numbered and applied once each (see migrate.ts). Times are INTEGER
 * milliseconds from the store clock (NOW_MS); values the core encodes are BLOBs.
 */
export const NOW_MS = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'data model: nodes, jobs, checkpoints, chunks, events',
    sql: `
CREATE TABLE baton_nodes (
  id           TEXT PRIMARY KEY,
  label        TEXT NOT NULL,
  host         TEXT NOT NULL,
  pid          INTEGER NOT NULL,
  pid_start    TEXT,
  status       TEXT NOT NULL DEFAULT 'alive',
  started_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  dead_at      INTEGER,
  tasks        TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX baton_nodes_alive ON baton_nodes (status, heartbeat_at);

CREATE TABLE baton_jobs (
  id               TEXT PRIMARY KEY,
  task             TEXT NOT NULL,
  task_version     TEXT,
  status           TEXT NOT NULL,
  priority         INTEGER NOT NULL DEFAULT 0,
  run_at           INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  attempt          INTEGER NOT NULL DEFAULT 0,
  error_count      INTEGER NOT NULL DEFAULT 0,
  crash_count      INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER,
  max_crashes      INTEGER NOT NULL,
  lease_epoch      INTEGER NOT NULL DEFAULT 0,
  owner_node       TEXT,
  owner_label      TEXT,
  last_owner_label TEXT,
  requeue_reason   TEXT,
  backup_node      TEXT,
  progress         REAL NOT NULL DEFAULT 0,
  current_step     TEXT,
  checkpoint_seq   INTEGER NOT NULL DEFAULT 0,
  input            BLOB NOT NULL,
  result           BLOB,
  error            TEXT,
  timeout_ms       INTEGER
);
-- The claim query walks this index: queued jobs by priority, then due time, then rowid (submission order).
CREATE INDEX baton_jobs_queue ON baton_jobs (priority DESC, run_at) WHERE status = 'queued';
CREATE INDEX baton_jobs_owner ON baton_jobs (owner_node) WHERE status = 'running';
CREATE INDEX baton_jobs_status ON baton_jobs (status, task);

CREATE TABLE baton_checkpoints (
  job_id          TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  epoch           INTEGER NOT NULL,
  node_id         TEXT NOT NULL,
  attempt         INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  progress        REAL NOT NULL,
  current_step    TEXT,
  completed_steps TEXT NOT NULL,
  manifest        TEXT NOT NULL,
  chunk_refs      TEXT NOT NULL,
  format_version  INTEGER NOT NULL,
  checksum        TEXT NOT NULL,
  size_bytes      INTEGER NOT NULL,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

-- Chunks are keyed by (job, hash): no sharing across jobs, so pruning one job never races another.
CREATE TABLE baton_chunks (
  job_id     TEXT NOT NULL,
  hash       TEXT NOT NULL,
  data       BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, hash)
);

CREATE TABLE baton_events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id  TEXT NOT NULL,
  type    TEXT NOT NULL,
  at      INTEGER NOT NULL,
  node_id TEXT,
  attempt INTEGER,
  epoch   INTEGER,
  data    TEXT
);
CREATE INDEX baton_events_job ON baton_events (job_id, id);
`,
  },
  {
    version: 2,
    name: 'indexes for paging jobs and reading recent events (dashboard)',
    sql: `
CREATE INDEX baton_jobs_created ON baton_jobs (created_at DESC, id DESC);
CREATE INDEX baton_jobs_status_created ON baton_jobs (status, created_at DESC, id DESC);
CREATE INDEX baton_jobs_owner_created ON baton_jobs (owner_label, created_at DESC, id DESC);
CREATE INDEX baton_events_at ON baton_events (at);
`,
  },
];
