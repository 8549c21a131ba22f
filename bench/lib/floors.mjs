/**
 * The physical floors Baton's durable writes are compared with, measured on the same disk and
 * server in the same run: a 1 KB write + fdatasync (what a SQLite commit cannot beat), a bare
 * SQLite commit with synchronous=FULL (the same driver and settings Baton uses), and a bare
 * Postgres INSERT commit (lib/pg.mjs).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Database } from './env.mjs';

/** 1 KB pwrite + fdatasync in `dir`, rewriting the same block (a log's tail). */
export function fsyncFloor(dir, bytes = 1024) {
  const fd = openSync(join(dir, 'floor.bin'), 'w');
  const buf = randomBytes(bytes);
  let i = 0;
  return {
    sample() {
      buf[0] = i++ & 0xff;
      const t0 = performance.now();
      writeSync(fd, buf, 0, buf.length, 0);
      fdatasyncSync(fd);
      return performance.now() - t0;
    },
    close: () => closeSync(fd),
  };
}

/** One INSERT of 1 KB in its own transaction, WAL + synchronous=FULL: a bare SQLite commit. */
export function sqliteCommitFloor(dir, bytes = 1024) {
  const db = new Database(join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, v BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO floor (v) VALUES (?)');
  const payload = randomBytes(bytes);
  return {
    sample() {
      const t0 = performance.now();
      insert.run(payload);
      return performance.now() - t0;
    },
    close: () => db.close(),
  };
}

export function sqliteVersion() {
  const db = new Database(':memory:');
  try {
    return db.prepare('select sqlite_version() AS v').get().v;
  } finally {
    db.close();
  }
}
