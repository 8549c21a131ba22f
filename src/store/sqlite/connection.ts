/**
 * Opening a SQLite database the way Baton needs it: WAL (readers never block the writer),
 * a busy timeout (several processes share one file), durable commits (synchronous=FULL), and
 * every driver error a user can meet mapped to a coded BatonError.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BatonError, ErrorCode } from '../../errors.js';

export type Db = Database.Database;

export interface SqliteOptions {
  /** How long a writer waits for the file lock before the call fails as STORE_UNAVAILABLE, in ms. @defaultValue 5000 */
  busyTimeoutMs?: number;
  /** `FULL` makes every commit durable; `NORMAL` may lose the last commits on power loss. @defaultValue 'FULL' */
  synchronous?: 'FULL' | 'NORMAL';
}

export function openDatabase(path: string, options: SqliteOptions = {}): Db {
  const inMemory = path === ':memory:';
  let db: Db;
  try {
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (!inMemory) db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    db.pragma('foreign_keys = OFF');
    // Reading the schema proves the file is a database (a foreign file fails here, not later).
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    throw storeError(err, path);
  }
  return db;
}

const RETRYABLE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY']);

/** Maps a driver error to STORE_UNAVAILABLE with the path and what to do; BatonErrors pass through. */
export function storeError(err: unknown, path: string): Error {
  if (err instanceof BatonError) return err;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code !== 'string' && !(err instanceof TypeError && /directory|open/i.test(message))) {
    return err instanceof Error ? err : new Error(message);
  }
  const codeText = typeof code === 'string' ? code : 'SQLITE_CANTOPEN';
  const hint = RETRYABLE.has(codeText)
    ? 'another process holds the write lock; the operation can be retried'
    : codeText === 'SQLITE_FULL'
      ? 'the disk (or the database size limit) is full: free space, the previous checkpoint is intact'
      : codeText === 'SQLITE_NOTADB' || codeText === 'SQLITE_CORRUPT'
        ? 'the file is not a Baton SQLite database (or is damaged): point the store at another path'
        : codeText.startsWith('SQLITE_CANTOPEN') || codeText.startsWith('SQLITE_READONLY') || codeText === 'EACCES'
          ? 'check that the folder exists and is writable'
          : 'check the database file and the disk';
  return new BatonError(ErrorCode.STORE_UNAVAILABLE, `SQLite store ${path}: ${message} (${codeText}): ${hint}`, {
    cause: err,
    retryable: RETRYABLE.has(codeText),
  });
}
