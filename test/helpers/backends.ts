/**
 * The backends every contract test loops over. `BACKENDS=sqlite,postgres` narrows the list.
 * Postgres is real: a fresh database per test file (see postgres.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestBackend {
  name: 'memory' | 'sqlite' | 'postgres';
  /** A store URL for a fresh, empty store, and how to remove it. */
  create(): Promise<{ url: string; cleanup(): Promise<void> }>;
}

const all: TestBackend[] = [
  { name: 'memory', create: async () => ({ url: 'memory:', cleanup: async () => {} }) },
  {
    name: 'sqlite',
    create: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'baton-test-'));
      return { url: `sqlite:${join(dir, 'baton.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    create: async () => {
      const { createTestDatabase } = await import('./postgres.js');
      const db = await createTestDatabase();
      return { url: db.url, cleanup: () => db.drop() };
    },
  },
];

export function backends(only?: TestBackend['name'][]): TestBackend[] {
  const wanted = process.env.BACKENDS?.split(',').map((s) => s.trim()).filter(Boolean);
  return all.filter((b) => (wanted === undefined || wanted.includes(b.name)) && (only === undefined || only.includes(b.name)));
}

/** Durable backends: the ones several processes can share. */
export function sharedBackends(): TestBackend[] {
  return backends(['sqlite', 'postgres']);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
