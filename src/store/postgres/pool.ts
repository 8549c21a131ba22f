/**
 * The connection pool. Every statement gets a bounded wait (connect 5 s, statement 30 s), idle
 * clients that die are dropped without crashing the process, and a statement whose reply is
 * lost is reported as `Unanswered` so the caller can read its write back.
 */
import pg from 'pg';
import { BatonError, ErrorCode } from '../../errors.js';
import { redactUrl } from '../open-store.js';
import { isConnectionError, Unanswered } from './pg-errors.js';

export type Row = Record<string, unknown>;

/** What the store's SQL functions need: one statement, autocommit, rows back. */
export interface Sql {
  /** `name` prepares the statement once per connection (hot paths). */
  query(text: string, values?: readonly unknown[], name?: string): Promise<Row[]>;
}

export interface PgOptions {
  /** Most connections the pool opens. @defaultValue 10 */
  max?: number;
}

export const CONNECT_TIMEOUT_MS = 5_000;
export const STATEMENT_TIMEOUT_MS = 30_000;

/** The URL with its password removed (also a `?password=` parameter, or one holding a raw `@`). */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString().replace('%2A%2A%2A', '***');
  } catch {
    return redactUrl(url).replace(/([?&]password=)[^&]*/gi, '$1***');
  }
}

/** Parses a store URL: host:port/database for messages, or INVALID_STORE_URL. */
export function describeUrl(url: string): string {
  const invalid = (why: string) =>
    new BatonError(ErrorCode.INVALID_STORE_URL, `cannot use store "${safeUrl(url)}": ${why}; use postgres://user:password@host:port/database`);
  let parsed: URL;
  let database: string;
  try {
    parsed = new URL(url);
    // pg decodes these when it connects: a malformed escape must fail here, with a clear message.
    [parsed.username, parsed.password].forEach((part) => decodeURIComponent(part));
    database = decodeURIComponent(parsed.pathname.slice(1));
  } catch {
    throw invalid('it is not a valid URL');
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw invalid(`the scheme ${parsed.protocol} is not postgres:`);
  const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
  return `${host}:${parsed.port || '5432'}/${database || '(default database)'}`;
}

/** Client settings shared by the pool and the listener's dedicated connection. */
export function clientConfig(url: string): pg.ClientConfig {
  return { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, keepAliveInitialDelayMillis: 10_000 };
}

export class PgDb implements Sql {
  private readonly pool: pg.Pool;

  constructor(url: string, options: PgOptions = {}) {
    this.pool = new pg.Pool({
      ...clientConfig(url),
      application_name: 'baton',
      max: options.max ?? 10,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      // The client-side backstop for a server that stopped answering (a network partition).
      query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
      idle_in_transaction_session_timeout: STATEMENT_TIMEOUT_MS,
      allowExitOnIdle: true,
    });
    // An idle client whose server went away: the pool drops it and the next query opens a new
    // one. Without these handlers the 'error' event would crash the process.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  async query(text: string, values?: readonly unknown[], name?: string): Promise<Row[]> {
    return this.withClient(async (client) => (await client.query({ text, values: values as unknown[], name })).rows as Row[]);
  }

  /** Runs `fn` in one transaction on one connection (migrations only: hot paths are single statements). */
  async transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      const sql: Sql = { query: async (text, values) => (await client.query(text, values as unknown[])).rows as Row[] };
      await client.query('BEGIN');
      try {
        const result = await fn(sql);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        if (!isConnectionError(err)) await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  /**
   * Makes the outcome of a statement whose reply was lost final: its server process may still
   * be running it (waiting on a lock, or never told the client left) and commit after we read
   * back. It is ended, and awaited, before anything is read. False if it would not end.
   */
  async settle(backendPid: number): Promise<boolean> {
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    await this.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND usename = current_user', [backendPid]);
    while ((await this.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backendPid])).length > 0) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  /** Connect errors are thrown as they are (nothing was sent); later connection errors as Unanswered. */
  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      const result = await fn(client);
      client.release();
      return result;
    } catch (err) {
      const lost = isConnectionError(err);
      client.release(lost ? (err as Error) : undefined); // a broken client is destroyed, not reused
      throw lost ? new Unanswered(err, (client as { processID?: number }).processID) : err;
    }
  }
}
