/**
 * Hostile checkpoint bytes, 90,000 cases on top of codec-fuzz.test.ts's 20,000: structured
 * mutations of valid encodings fed to decodeValue (inserted, deleted and spliced bytes,
 * absurd varints, wrong versions, nesting bombs), then corrupt and forged chunks fed through
 * the checkpoint read path that resume uses. Never a crash, a hang or an unbounded
 * allocation: a value or a coded error, and resume falls back to the previous good checkpoint.
 * `HOSTILE_SEED` replays a run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rng } from '../chaos/prng.js';
import { checkpointChecksum } from '../src/checkpoint/manifest.js';
import { decodeValue, encodeValue, hashBytes, MAX_DEPTH, Tag } from '../src/checkpoint/codec/index.js';
import {
  BatonError,
  CheckpointManager,
  ErrorCode,
  isBatonError,
  openStore,
  ResumableTaskExecutor,
  silentLogger,
} from '../src/index.js';

const SEED = Number(process.env.HOSTILE_SEED ?? 6_000_006);
const r = rng(SEED);

/** A value, or one of the codec's two coded errors, raised by its own checks (no wrapped surprise). */
function decodeOrRefuse(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; err: BatonError } {
  try {
    return { ok: true, value: decodeValue(bytes, 'hostile') };
  } catch (err) {
    const coded =
      err instanceof BatonError &&
      (err.code === ErrorCode.CHECKPOINT_CORRUPT || err.code === ErrorCode.CHECKPOINT_VERSION);
    if (!coded || err.cause !== undefined)
      assert.fail(`decoding ${Buffer.from(bytes).toString('hex').slice(0, 400)} threw ${String(err)} (seed ${SEED})`);
    return { ok: false, err };
  }
}

function randomValue(depth = 0): unknown {
  const n = r.int(0, 5);
  switch (r.int(0, depth > 3 ? 8 : 13)) {
    case 0:
      return undefined;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.int(-(2 ** 31), 2 ** 31);
    case 3:
      return r.pick([NaN, -0, Infinity, r.next() * 1e300, 2 ** 53 + 2]);
    case 4:
      return 'é✓🚀"\'\\\0'.slice(0, n) + 'x'.repeat(r.int(0, 60));
    case 5:
      return BigInt(r.int(0, 2 ** 30)) ** BigInt(n) * (r.chance(0.5) ? -1n : 1n);
    case 6:
      return new Date(r.int(0, 4e12));
    case 7:
      return Buffer.from(Array.from({ length: n * 7 }, () => r.int(0, 255)));
    case 8:
      return new Int32Array(Array.from({ length: n }, () => r.int(-1000, 1000)));
    case 9:
      return new Set(Array.from({ length: n }, () => randomValue(depth + 1)));
    case 10:
      return new Map(Array.from({ length: n }, () => [randomValue(depth + 1), randomValue(depth + 1)] as const));
    case 11:
      return Array.from({ length: n }, () => randomValue(depth + 1));
    default: {
      const o: Record<string, unknown> = r.chance(0.1) ? Object.create(null) : {};
      for (let i = 0; i < n; i++) {
        Object.defineProperty(o, r.pick(['a', 'b', '__proto__', 'constructor', 'toString', 'é', String(i)]), {
          value: randomValue(depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return o;
    }
  }
}

function varint(n: number | bigint): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  for (; v > 0x7fn; v >>= 7n) out.push(Number(v & 0x7fn) | 0x80);
  return [...out, Number(v)];
}

const ABSURD = [2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 2n ** 56n, 2n ** 63n];

/** Each returns a mutated copy; `s` is a valid encoding (header at 0..3). */
const MUTATORS: Record<string, (s: Buffer) => Buffer> = {
  replace: (s) => {
    const b = Buffer.from(s);
    b[r.int(4, b.length - 1)] = r.int(0, 255);
    return b;
  },
  insert: (s) => {
    const at = r.int(4, s.length);
    return Buffer.concat([s.subarray(0, at), Buffer.from([r.int(0, 255)]), s.subarray(at)]);
  },
  delete: (s) => {
    const at = r.int(4, s.length - 1);
    return Buffer.concat([s.subarray(0, at), s.subarray(at + r.int(1, 4))]);
  },
  splice: (s) => {
    const from = r.int(4, s.length - 1);
    const piece = s.subarray(from, from + r.int(1, 24));
    const at = r.int(4, s.length);
    return Buffer.concat([s.subarray(0, at), piece, s.subarray(at + (r.chance(0.5) ? piece.length : 0))]);
  },
  absurdVarint: (s) => {
    const at = r.int(4, s.length - 1);
    return Buffer.concat([s.subarray(0, at), Buffer.from(varint(r.pick(ABSURD))), s.subarray(at + r.int(0, 2))]);
  },
  truncateAndGarbage: (s) =>
    Buffer.concat([
      s.subarray(0, r.int(0, s.length)),
      Buffer.from(Array.from({ length: r.int(0, 16) }, () => r.int(0, 255))),
    ]),
  trailing: (s) => Buffer.concat([s, s.subarray(4, 4 + r.int(1, s.length - 4))]),
  version: (s) => {
    const b = Buffer.from(s);
    b[3] = r.pick([0, 2, 3, 127, 128, 255]);
    return b;
  },
  tagSwap: (s) => {
    const b = Buffer.from(s);
    for (let i = 4; i < b.length; i++) if (b[i] <= Tag.HOLE && r.chance(0.05)) b[i] = r.int(0, Tag.HOLE + 2);
    return b;
  },
  containerBomb: () =>
    Buffer.from([
      0x42,
      0x54,
      0x4e,
      1,
      r.pick([Tag.ARRAY, Tag.OBJECT, Tag.NULL_OBJECT, Tag.MAP, Tag.SET]),
      ...varint(r.pick(ABSURD)),
      ...Array.from({ length: r.int(0, 32) }, () => r.int(0, 255)),
    ]),
};

describe(`hostile decoder input (seed ${SEED})`, () => {
  const samples = Array.from({ length: 60 }, () => encodeValue(Array.from({ length: 6 }, () => randomValue())));

  test('structured mutations of valid encodings: a value or a coded error (80,000 cases)', (t) => {
    const names = Object.keys(MUTATORS);
    const outcomes: Record<string, { ok: number; refused: number }> = {};
    const memBefore = process.memoryUsage().rss;
    const started = performance.now();
    let slowest = 0;
    for (let i = 0; i < 80_000; i++) {
      const name = names[i % names.length];
      const bytes = MUTATORS[name](samples[i % samples.length]);
      const t0 = performance.now();
      const result = decodeOrRefuse(bytes);
      slowest = Math.max(slowest, performance.now() - t0);
      if (name === 'version' && bytes[3] !== 1)
        assert.ok(!result.ok && result.err.code === (bytes[3] === 0 ? 'CHECKPOINT_CORRUPT' : 'CHECKPOINT_VERSION'));
      if (result.ok) encodeValue(result.value); // whatever decodes is a plain, saveable value
      const o = (outcomes[name] ??= { ok: 0, refused: 0 });
      if (result.ok) o.ok++;
      else o.refused++;
    }
    t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);
    for (const [name, o] of Object.entries(outcomes))
      assert.ok(o.refused > 0, `${name} never produced a refusal: ${JSON.stringify(o)}`);
    assert.ok(slowest < 250, `one case took ${slowest.toFixed(0)} ms`);
    assert.ok(performance.now() - started < 30_000);
    const grown = process.memoryUsage().rss - memBefore;
    assert.ok(grown < 256 << 20, `decoding 80,000 small inputs grew the process by ${grown >> 20} MB`);
  });

  test('nesting bombs: at the limit a value, past it a coded error, never a stack overflow', () => {
    const nested = (depth: number, tag: number) =>
      Buffer.from([0x42, 0x54, 0x4e, 1, ...Array.from({ length: depth }, () => [tag, 1]).flat(), Tag.NULL]);
    assert.ok(decodeOrRefuse(nested(MAX_DEPTH, Tag.ARRAY)).ok);
    for (const depth of [MAX_DEPTH + 1, 10_000, 1_000_000]) {
      for (const tag of [Tag.ARRAY, Tag.SET]) {
        const result = decodeOrRefuse(nested(depth, tag));
        assert.ok(!result.ok && /nested deeper than 1000/.test(result.err.message), `depth ${depth}`);
      }
    }
    // A million references to one object: linear, no blow-up.
    const refs = Buffer.concat([
      Buffer.from([0x42, 0x54, 0x4e, 1, Tag.ARRAY, ...varint(1_000_001), Tag.OBJECT, 0]),
      Buffer.alloc(2_000_000, Buffer.from([Tag.REF, 1])),
    ]);
    const decoded = decodeOrRefuse(refs);
    assert.ok(decoded.ok && (decoded.value as unknown[]).length === 1_000_001);
  });
});

/**
 * The read path resume uses (CheckpointManager.loadLatest) against a store holding a good
 * checkpoint (seq 1) and a newer one (seq 2) that each case damages: raw corruption fails the
 * chunk hash or the checksum; forged chunks (hash and checksum recomputed, as a hostile writer
 * with database access could) reach the decoder. Every case ends at seq 1, reported corrupt,
 * or (forged bytes that happen to be a valid encoding) at seq 2.
 */
describe('hostile bytes through the checkpoint read path', () => {
  test('corrupt and forged chunks of the newest checkpoint: fall back to the previous one (10,000 cases)', async (t) => {
    const store = await openStore('memory:');
    const manager = new CheckpointManager({ store, strategy: 'manual', logger: silentLogger, keepCheckpoints: 3 });
    const executor = new ResumableTaskExecutor(manager);
    const good = { rows: [1, 2, 3], note: 'seq 1' };
    await assert.rejects(
      executor.executeResumable({
        jobId: 'victim',
        taskFunc: async (ctx) => {
          ctx.setState('model', good);
          await ctx.checkpoint();
          ctx.setState(
            'model',
            Array.from({ length: 6 }, () => randomValue()),
          );
          await ctx.checkpoint();
          throw new Error('stop with two checkpoints kept');
        },
      }),
      /stop with two/,
    );
    const db = (store as unknown as { db: import('better-sqlite3').Database }).db;
    const row = db.prepare("SELECT * FROM baton_checkpoints WHERE job_id = 'victim' AND seq = 2").get() as Record<
      string,
      unknown
    >;
    const manifest = JSON.parse(String(row.manifest)) as { state: { model: { c: string[]; n: number } } };
    const [hash] = manifest.state.model.c;
    const original = (
      db.prepare("SELECT data FROM baton_chunks WHERE job_id = 'victim' AND hash = ?").get(hash) as { data: Buffer }
    ).data;
    const setChunk = db.prepare("UPDATE baton_chunks SET data = ? WHERE job_id = 'victim' AND hash = ?");
    const reset = () => {
      db.prepare(
        "DELETE FROM baton_chunks WHERE job_id = 'victim' AND hash NOT IN (SELECT j.value FROM baton_checkpoints c, json_each(c.chunk_refs) j WHERE c.job_id = 'victim')",
      ).run();
      db.prepare(
        "UPDATE baton_checkpoints SET manifest = ?, chunk_refs = ?, checksum = ? WHERE job_id = 'victim' AND seq = 2",
      ).run(row.manifest, row.chunk_refs, row.checksum);
      setChunk.run(original, hash);
    };
    /** Writes `bytes` as the model's chunk under its true hash and re-signs the checkpoint. */
    const forge = (bytes: Buffer) => {
      const h = hashBytes(bytes);
      db.prepare("INSERT OR REPLACE INTO baton_chunks (job_id, hash, data, created_at) VALUES ('victim', ?, ?, 0)").run(
        h,
        bytes,
      );
      const m = JSON.parse(String(row.manifest)) as typeof manifest;
      m.state.model = { c: [h], n: bytes.length };
      const text = JSON.stringify(m);
      const checksum = checkpointChecksum({
        jobId: 'victim',
        epoch: Number(row.epoch),
        attempt: Number(row.attempt),
        nodeId: String(row.node_id),
        progress: Number(row.progress),
        currentStep: row.current_step as string | null,
        completedSteps: JSON.parse(String(row.completed_steps)) as string[],
        formatVersion: Number(row.format_version),
        manifest: text,
      });
      db.prepare(
        "UPDATE baton_checkpoints SET manifest = ?, chunk_refs = json_array(?, json_extract(chunk_refs, '$[1]')), checksum = ? WHERE job_id = 'victim' AND seq = 2",
      ).run(text, h, checksum);
    };
    const raw: Array<(b: Buffer) => Buffer> = [
      (b) => {
        const c = Buffer.from(b);
        const bit = r.int(0, c.length * 8 - 1);
        c[bit >> 3] ^= 1 << (bit & 7);
        return c;
      },
      (b) => b.subarray(0, r.int(0, b.length - 1)),
      (b) => Buffer.concat([b, Buffer.from([r.int(0, 255)])]),
      () => Buffer.from(Array.from({ length: r.int(0, 64) }, () => r.int(0, 255))),
      () => Buffer.alloc(0),
    ];
    const names = Object.keys(MUTATORS);
    const landed = { seq1: 0, seq2: 0, version: 0 };
    const corruptSeen: number[] = [];
    manager.on('checkpoint:corrupt', (e) => corruptSeen.push(e.seq));
    for (let i = 0; i < 10_000; i++) {
      reset();
      const forged = i % 2 === 1;
      if (forged) forge(MUTATORS[names[i % names.length]](samples(i)));
      else if (i % 20 === 0) db.prepare("DELETE FROM baton_chunks WHERE job_id = 'victim' AND hash = ?").run(hash);
      else if (i % 20 === 2)
        db.prepare("UPDATE baton_checkpoints SET manifest = ? WHERE job_id = 'victim' AND seq = 2").run(
          String(row.manifest).replace('"n":', '"n" :'),
        );
      else setChunk.run(r.pick(raw)(original), hash);
      const before = corruptSeen.length;
      let loaded;
      try {
        loaded = await manager.loadLatest('victim');
      } catch (err) {
        // A forged chunk claiming a newer format: "upgrade Baton" rather than a fallback.
        assert.ok(forged && isBatonError(err, 'CHECKPOINT_VERSION'), `case ${i}: ${String(err)}`);
        landed.version++;
        continue;
      }
      assert.ok(loaded !== null, `case ${i}: nothing loaded`);
      if (loaded.checkpoint.seq === 1) {
        assert.deepEqual(loaded.checkpoint.state.model, good, `case ${i}`);
        assert.deepEqual(corruptSeen.slice(before), [2], `case ${i}: seq 2 reported corrupt`);
        landed.seq1++;
      } else {
        assert.ok(
          forged && loaded.checkpoint.seq === 2,
          `case ${i}: corrupt bytes loaded as seq ${loaded.checkpoint.seq}`,
        );
        landed.seq2++;
      }
    }
    assert.ok(landed.seq1 > 8000, JSON.stringify(landed));
    t.diagnostic(`read path: ${JSON.stringify(landed)}`);
    reset();
    setChunk.run(Buffer.from('garbage'), hash);
    const resumed = await executor.executeResumable({
      jobId: 'victim',
      rerun: true,
      taskFunc: async (ctx) => ctx.getState('model'),
    });
    assert.deepEqual(resumed, good, 'resume continued from seq 1');
    await executor.close();
    await store.close();

    function samples(i: number): Buffer {
      return encodeValue(i % 3 === 0 ? good : Array.from({ length: 4 }, () => randomValue()));
    }
  });
});
