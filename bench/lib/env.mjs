/**
 * Where the bench runs: its mode (--quick), data folder, the Postgres server and Redis it
 * measures against, and Baton's own drivers (the root's better-sqlite3 and pg, so floors are
 * measured with the very driver Baton uses).
 *
 * Environment: BENCH_DATA_DIR (default bench/.data), BENCH_PG_URL (an admin URL; default
 * postgres://postgres@127.0.0.1:5432/test), BENCH_REDIS_URL (default redis://127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const ROOT_DIR = join(BENCH_DIR, '..');

const args = process.argv.slice(2);
/** `--quick` (or BENCH_QUICK=1): the reduced set, under 3 minutes for the whole suite. */
export const QUICK = args.includes('--quick') || process.env.BENCH_QUICK === '1';
export const MODE = QUICK ? 'quick' : 'full';
/** Value of `--name=value` on the command line. */
export const arg = (name, fallback) => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
};
/** Pick the quick or the full value. */
export const q = (quick, full) => (QUICK ? quick : full);

export const DATA_DIR = process.env.BENCH_DATA_DIR || join(BENCH_DIR, '.data');
export const PG_ADMIN_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';

const rootRequire = createRequire(join(ROOT_DIR, 'package.json'));
/** Baton's own drivers, resolved from the root package. */
export const pg = rootRequire('pg');
export const Database = rootRequire('better-sqlite3');

/** A fresh folder under the data dir, removed by the returned function. */
export function scratchDir(prefix) {
  const dir = join(DATA_DIR, `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
