/**
 * Postgres migrations, numbered and applied once each (see migrate.ts). The tables and columns
 * are SQLite's (store/sqlite/schema.ts) written the Postgres way: times are BIGINT ms from the
 * database clock (NOW_MS), values the core encodes are BYTEA, JSON the core reads is JSONB.
 * Two additions: `submit_seq` (submission order for claims; SQLite uses its rowid) and
 * `claim_token` (lets a claim whose reply was lost be read back instead of leaking the job).
 * Every integer is BIGINT, as SQLite's INTEGER is 64-bit (counts and limits never overflow).
 */
export const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** The channel that wakes idle workers (see listener.ts). */
export const WORK_CHANNEL = 'baton_jobs';

/**
 * One NOTIFY per statement however many rows it wrote (each notifying commit takes a
 * cluster-wide lock), and none when `rows` is empty. Used as a column of the final SELECT.
 */
export function notifyIf(rows: string): string {
  return `(SELECT count(pg_notify('${WORK_CHANNEL}', '')) FROM (SELECT 1 FROM ${rows} LIMIT 1) n) AS notified`;
}

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
-- No index on heartbeat_at: heartbeats then stay HOT updates (no index churn), and the
-- detector's scan over a few node rows needs none. fillfactor leaves room for HOT.
CREATE TABLE baton_nodes (
  id           TEXT PRIMARY KEY,
  label        TEXT NOT NULL,
  host         TEXT NOT NULL,
  pid          BIGINT NOT NULL,
  pid_start    TEXT,
  status       TEXT NOT NULL DEFAULT 'alive',
  started_at   BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL,
  dead_at      BIGINT,
  tasks        JSONB NOT NULL DEFAULT '[]'
) WITH (fillfactor = 50);

-- A checkpoint updates only unindexed columns of its job row, so it is a HOT update too.
CREATE TABLE baton_jobs (
  id               TEXT PRIMARY KEY,
  submit_seq       BIGINT GENERATED ALWAYS AS IDENTITY,
  task             TEXT NOT NULL,
  task_version     TEXT,
  status           TEXT NOT NULL,
  priority         BIGINT NOT NULL DEFAULT 0,
  run_at           BIGINT NOT NULL,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  started_at       BIGINT,
  finished_at      BIGINT,
  attempt          BIGINT NOT NULL DEFAULT 0,
  error_count      BIGINT NOT NULL DEFAULT 0,
  crash_count      BIGINT NOT NULL DEFAULT 0,
  max_attempts     BIGINT,
  max_crashes      BIGINT NOT NULL,
  lease_epoch      BIGINT NOT NULL DEFAULT 0,
  owner_node       TEXT,
  owner_label      TEXT,
  last_owner_label TEXT,
  requeue_reason   TEXT,
  backup_node      TEXT,
  progress         DOUBLE PRECISION NOT NULL DEFAULT 0,
  current_step     TEXT,
  checkpoint_seq   BIGINT NOT NULL DEFAULT 0,
  input            BYTEA NOT NULL,
  result           BYTEA,
  error            JSONB,
  timeout_ms       BIGINT,
  claim_token      TEXT
) WITH (fillfactor = 80);
-- The claim query walks this index: queued jobs by priority, then due time, then submission order.
CREATE INDEX baton_jobs_queue ON baton_jobs (priority DESC, run_at, submit_seq) WHERE status = 'queued';
CREATE INDEX baton_jobs_owner ON baton_jobs (owner_node) WHERE status = 'running';
CREATE INDEX baton_jobs_status ON baton_jobs (status, task);

CREATE TABLE baton_checkpoints (
  job_id          TEXT NOT NULL,
  seq             BIGINT NOT NULL,
  epoch           BIGINT NOT NULL,
  node_id         TEXT NOT NULL,
  attempt         BIGINT NOT NULL,
  created_at      BIGINT NOT NULL,
  progress        DOUBLE PRECISION NOT NULL,
  current_step    TEXT,
  completed_steps JSONB NOT NULL,
  -- TEXT, not JSONB: the manifest comes back byte for byte as the core wrote it.
  manifest        TEXT NOT NULL,
  chunk_refs      TEXT[] NOT NULL,
  format_version  BIGINT NOT NULL,
  checksum        TEXT NOT NULL,
  size_bytes      BIGINT NOT NULL,
  PRIMARY KEY (job_id, seq)
);

-- Chunks are keyed by (job, hash): no sharing across jobs, so pruning one job never races another.
CREATE TABLE baton_chunks (
  job_id     TEXT NOT NULL,
  hash       TEXT NOT NULL,
  data       BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (job_id, hash)
);

CREATE TABLE baton_events (
  id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id  TEXT NOT NULL,
  type    TEXT NOT NULL,
  at      BIGINT NOT NULL,
  node_id TEXT,
  attempt BIGINT,
  epoch   BIGINT,
  data    JSONB
);
CREATE INDEX baton_events_job ON baton_events (job_id, id);
`,
  },
  {
    version: 2,
    name: 'indexes for paging jobs and reading recent events (dashboard)',
    // None of these columns changes on a checkpoint, so checkpoint updates stay HOT. One index
    // on events only: every checkpoint inserts an event, and each index is pages to write.
    sql: `
CREATE INDEX baton_jobs_created ON baton_jobs (created_at DESC, id DESC);
CREATE INDEX baton_jobs_status_created ON baton_jobs (status, created_at DESC, id DESC);
CREATE INDEX baton_jobs_owner_created ON baton_jobs (owner_label, created_at DESC, id DESC);
CREATE INDEX baton_events_at ON baton_events (at);
`,
  },
];
