/**
 * Turns a store URL into a Store: `memory:`, `sqlite:<path>` (or a bare path ending in .db),
 * `postgres://…`. The default is `sqlite:./data/baton.db`, overridden by BATON_STORE.
 */
import { BatonError, ErrorCode } from '../errors.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export const DEFAULT_STORE_URL = 'sqlite:./data/baton.db';

export function defaultStoreUrl(): string {
  const fromEnv = process.env.BATON_STORE;
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : DEFAULT_STORE_URL;
}

/** A Store instance, or a URL to open one. */
export type StoreLike = Store | string;

/** Removes the password from a URL so it can appear in logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

export async function openStore(spec: StoreLike = defaultStoreUrl()): Promise<Store> {
  const store = typeof spec === 'string' ? await storeFromUrl(spec) : spec;
  await store.migrate();
  return store;
}

async function storeFromUrl(url: string): Promise<Store> {
  if (url === 'memory:' || url === 'memory') return new SqliteStore(':memory:');
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw invalidUrl(url, 'the path is empty');
    return new SqliteStore(path);
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    // Loaded on demand so SQLite users never load the pg driver.
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return new PostgresStore(url);
  }
  if (/\.(db|sqlite3?)$/i.test(url) && !url.includes('://')) return new SqliteStore(url);
  throw invalidUrl(url, 'use memory:, sqlite:<path> or postgres://user@host:port/database');
}

function invalidUrl(url: string, why: string): BatonError {
  return new BatonError(ErrorCode.INVALID_STORE_URL, `cannot use store "${redactUrl(url)}": ${why}`);
}
