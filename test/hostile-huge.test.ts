/**
 * Huge state: hundreds of megabytes across values, nesting at and past the limit, millions of
 * keys. Each works, byte for byte after a resume, or is refused with a clear limit; memory stays
 * within a small multiple of the data. The test saves ~200 MB on SQLite and 64 MB on Postgres;
 * `HOSTILE_HUGE_MB=1024` (and `HOSTILE_HUGE_PG_MB=1024`) runs the 1 GB case by hand (see
 * docs/reliability.md for its figures).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { CheckpointManager, isBatonError, openStore, ResumableTaskExecutor, silentLogger } from '../src/index.js';
import { MAX_DEPTH } from '../src/checkpoint/codec/index.js';
import { backends } from './helpers/backends.js';

const SIZES_MB: Record<string, number> = {
  sqlite: Number(process.env.HOSTILE_HUGE_MB ?? 200),
  postgres: Number(process.env.HOSTILE_HUGE_PG_MB ?? 64),
};
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;
const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function withExecutor<T>(
  url: string,
  fn: (e: ResumableTaskExecutor, m: CheckpointManager) => Promise<T>,
): Promise<T> {
  const store = await openStore(url);
  const manager = new CheckpointManager({ store, strategy: 'manual', logger: silentLogger });
  const executor = new ResumableTaskExecutor(manager);
  try {
    return await fn(executor, manager);
  } finally {
    await executor.close();
    await store.close();
  }
}

for (const backend of backends(['sqlite', 'postgres'])) {
  describe(`huge state: ${backend.name}`, () => {
    test(`${SIZES_MB[backend.name]} MB across four values: saved, resumed byte for byte, memory bounded`, async () => {
      const { url, cleanup } = await backend.create();
      const each = Math.floor((SIZES_MB[backend.name] << 20) / 4);
      const digests: string[] = [];
      const before = maxRssMb();
      await withExecutor(url, async (executor) => {
        await assert.rejects(
          executor.executeResumable({
            jobId: 'huge',
            taskFunc: async (ctx) => {
              for (let i = 0; i < 4; i++) {
                const part = Buffer.allocUnsafe(each);
                for (let o = 0; o + 4 <= each; o += 4) part.writeUInt32LE((o * 2654435761 + i) >>> 0, o);
                digests.push(digest(part));
                ctx.setState(`part${i}`, part);
              }
              ctx.setState('small', 1);
              await ctx.checkpoint();
              throw new Error('the node dies');
            },
          }),
          /the node dies/,
        );
      });
      // A new executor (as after a restart) resumes from it.
      const seen = await withExecutor(url, (executor) =>
        executor.executeResumable({
          jobId: 'huge',
          rerun: true,
          taskFunc: async (ctx) =>
            Array.from({ length: 4 }, (_, i) => digest(ctx.resumedFrom!.state[`part${i}`] as Buffer)),
        }),
      );
      assert.deepEqual(seen, digests);
      const grownMb = maxRssMb() - before;
      const dataMb = (4 * each) / 2 ** 20;
      assert.ok(
        grownMb < 3 * dataMb + 256,
        `peak memory grew by ${grownMb.toFixed(0)} MB for ${dataMb.toFixed(0)} MB of state`,
      );
      await cleanup();
    });
  });
}

describe('deep and wide state', { skip: backends(['sqlite']).length === 0 }, () => {
  test(`nesting: ${MAX_DEPTH} levels are saved; deeper is refused naming the key, without a stack overflow; the previous checkpoint stays`, async () => {
    const { url, cleanup } = await backends(['sqlite'])[0].create();
    const nest = (depth: number) => {
      let v: unknown = 'leaf';
      for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { down: v };
      return v;
    };
    await withExecutor(url, async (executor, manager) => {
      await assert.rejects(
        executor.executeResumable({
          jobId: 'deep',
          taskFunc: async (ctx) => {
            ctx.setState('tree', nest(MAX_DEPTH));
            await ctx.checkpoint();
            for (const depth of [MAX_DEPTH + 1, 100_000, 1_000_000]) {
              ctx.setState('tree', nest(depth));
              await assert.rejects(
                ctx.checkpoint(),
                (e) =>
                  isBatonError(e, 'NOT_SERIALIZABLE') &&
                  /state key "tree"/.test(e.message) &&
                  /(1000 levels|nested too deeply)/.test(e.message),
                `depth ${depth}`,
              );
            }
            throw new Error('stop');
          },
        }),
        /stop/,
      );
      const latest = await manager.getLatestCheckpoint('deep');
      assert.equal(latest?.seq, 1);
      assert.deepEqual(latest.state.tree, nest(MAX_DEPTH));
    });
    await cleanup();
  });

  test('a million keys in one object and a million entries in a Map: saved and restored', async () => {
    const { url, cleanup } = await backends(['sqlite'])[0].create();
    const wide: Record<string, number> = {};
    for (let i = 0; i < 1_000_000; i++) wide[`k${i}`] = i;
    const map = new Map<number, string>();
    for (let i = 0; i < 1_000_000; i++) map.set(i, 'v');
    await withExecutor(url, async (executor) => {
      await assert.rejects(
        executor.executeResumable({
          jobId: 'wide',
          taskFunc: async (ctx) => {
            ctx.setState('wide', wide);
            ctx.setIntermediateResult('map', map);
            await ctx.checkpoint();
            throw new Error('stop');
          },
        }),
        /stop/,
      );
      const sizes = await executor.executeResumable({
        jobId: 'wide',
        rerun: true,
        taskFunc: async (ctx) => {
          const w = ctx.resumedFrom!.state.wide as Record<string, number>;
          const m = ctx.resumedFrom!.intermediateResults.map as Map<number, string>;
          return [Object.keys(w).length, w.k999999, m.size, m.get(999_999)];
        },
      });
      assert.deepEqual(sizes, [1_000_000, 999_999, 1_000_000, 'v']);
    });
    await cleanup();
  });
});
