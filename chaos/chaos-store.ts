/**
 * The store a chaos run shares with its nodes, and the backend-specific chaos it allows:
 * restarting Postgres (only an embedded server this harness started itself, never one it was
 * pointed at) or holding the SQLite write lock from another process.
 */
import { join } from 'node:path';
import { openStore } from '../src/store/open-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { startFixture } from '../test/helpers/child.js';
import { startEmbeddedPostgres } from '../test/helpers/postgres.js';

export interface ChaosStore {
  backend: 'sqlite' | 'postgres';
  /** What the nodes open (may hold a password: never printed). */
  url: string;
  /** What the report shows. */
  shownUrl: string;
  /** The harness's own handle: submits, polls and the final checks. */
  store: Store;
  /** Stops the server for downMs and starts it again (embedded Postgres only). */
  restart?(downMs: number): Promise<void>;
  /** Holds the SQLite write lock from another process for ms (SQLite only). */
  holdLock?(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** `spec`: 'sqlite' (a fresh file in `dir`), 'postgres' (a fresh embedded server) or a store URL. */
export async function openChaosStore(spec: string, dir: string): Promise<ChaosStore> {
  if (spec === 'sqlite' || spec.startsWith('sqlite:')) {
    const path = spec === 'sqlite' ? join(dir, 'baton.db') : spec.slice('sqlite:'.length);
    // A short busy timeout: the harness never blocks its own event loop for seconds while a
    // lock is held; its calls fail fast as retryable and are retried.
    const store = new SqliteStore(path, { busyTimeoutMs: 200 });
    await store.migrate();
    return {
      backend: 'sqlite',
      url: `sqlite:${path}`,
      shownUrl: `sqlite:${path}`,
      store,
      async holdLock(ms) {
        const { done } = startFixture('chaos-lock-holder.ts', { DB: path, HOLD_MS: String(ms) });
        const result = await done;
        if (result.code !== 0) throw new Error(`the lock holder failed: ${result.stderr.slice(-500)}`);
      },
      close: () => store.close(),
    };
  }
  if (spec === 'postgres') {
    const server = await startEmbeddedPostgres();
    const store = await openStore(server.url);
    return {
      backend: 'postgres',
      url: server.url,
      shownUrl: `embedded Postgres on 127.0.0.1:${server.port}`,
      store,
      async restart(downMs) {
        await server.stop();
        await new Promise((r) => setTimeout(r, downMs));
        await server.start();
      },
      async close() {
        await store.close();
        await server.stop().catch(() => undefined);
      },
    };
  }
  if (/^postgres(ql)?:\/\//i.test(spec)) {
    const store = await openStore(spec);
    return { backend: 'postgres', url: spec, shownUrl: store.url, store, close: () => store.close() };
  }
  throw new Error(`--store must be sqlite, postgres, sqlite:<path> or postgres://…, got ${JSON.stringify(spec)}`);
}
