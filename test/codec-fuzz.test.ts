import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatonError, ErrorCode } from '../src/errors.js';
import { decodeValue, encodeValue, Tag } from '../src/checkpoint/codec/index.js';

/** mulberry32: small, seeded, good enough to spread cases; a failure names its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.CODEC_FUZZ_SEED ?? 20260101);
const HEADER = Buffer.from('BTN\x01', 'latin1');
const withHeader = (...parts: (number[] | Buffer)[]): Buffer =>
  Buffer.concat([HEADER, ...parts.map((p) => Buffer.from(p))]);

/** Decodes untrusted bytes: a value, or one of our two coded errors; anything else fails the test. */
function decodeOrRefuse(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; err: BatonError } {
  try {
    return { ok: true, value: decodeValue(bytes, 'fuzz') };
  } catch (err) {
    const coded =
      err instanceof BatonError &&
      (err.code === ErrorCode.CHECKPOINT_CORRUPT || err.code === ErrorCode.CHECKPOINT_VERSION);
    // A `cause` means decodeValue's safety net wrapped an unexpected internal error: the
    // decoder's own checks missed this input, which is a bug even though the caller is safe.
    if (!coded || err.cause !== undefined)
      assert.fail(`decode of ${Buffer.from(bytes).toString('hex')} threw ${String(err)}`);
    return { ok: false, err };
  }
}

/** A random value of every supported type, with sharing and cycles. */
function randomValue(rand: () => number, depth = 0, pool: object[] = []): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 10 : 16));
  const n = Math.floor(rand() * 5);
  switch (pick) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return rand() < 0.5;
    case 3:
      return Math.floor((rand() - 0.5) * 2 ** (rand() * 40));
    case 4:
      return [NaN, -0, Infinity, rand() * 1e300, -rand()][n];
    case 5:
      return String.fromCodePoint(...Array.from({ length: n * 3 }, () => Math.floor(rand() * 0x10ffff) & ~0x800));
    case 6:
      return BigInt(Math.floor(rand() * 2 ** 50)) ** BigInt(n) * (rand() < 0.5 ? -1n : 1n);
    case 7:
      return new Date(Math.floor(rand() * 4e12));
    case 8:
      return Buffer.from(Array.from({ length: n * 5 }, () => Math.floor(rand() * 256)));
    case 9:
      return pool.length > 0 ? pool[Math.floor(rand() * pool.length)] : /x+/g;
    case 10:
      return new Float64Array(Array.from({ length: n }, () => rand()));
    case 11:
      return new Set(Array.from({ length: n }, () => randomValue(rand, depth + 1, pool)));
    case 12: {
      const map = new Map<unknown, unknown>();
      pool.push(map);
      for (let i = 0; i < n; i++) map.set(randomValue(rand, depth + 1, pool), randomValue(rand, depth + 1, pool));
      return map;
    }
    case 13: {
      const arr: unknown[] = [];
      pool.push(arr);
      for (let i = 0; i < n; i++) arr.push(randomValue(rand, depth + 1, pool));
      return arr;
    }
    default: {
      const obj: Record<string, unknown> = rand() < 0.1 ? Object.create(null) : {};
      pool.push(obj);
      for (let i = 0; i < n; i++) {
        const key = ['a', 'b', '__proto__', 'é', String(i)][Math.floor(rand() * 5)];
        const value = randomValue(rand, depth + 1, pool);
        Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
      }
      return obj;
    }
  }
}

describe('codec fuzz (seed ' + SEED + ')', () => {
  const rand = prng(SEED);
  // Arrays of a few values, so encodings are long enough (about 100 to 1,000 bytes) to be
  // mostly body rather than header.
  const samples = Array.from({ length: 40 }, () => encodeValue(Array.from({ length: 8 }, () => randomValue(rand))));

  test('random values round-trip (1,000 cases)', () => {
    for (let i = 0; i < 1000; i++) {
      const value = randomValue(rand);
      const bytes = encodeValue(value);
      assert.deepStrictEqual(decodeValue(bytes), value);
    }
  });

  test('random bytes, with and without a valid header (6,000 cases)', () => {
    for (let i = 0; i < 6000; i++) {
      const body = Buffer.from(Array.from({ length: Math.floor(rand() * 48) }, () => Math.floor(rand() * 256)));
      decodeOrRefuse(i % 3 === 0 ? body : withHeader(body));
    }
  });

  test('every truncation of valid encodings is corrupt (3,000 cases)', () => {
    let cases = 0;
    for (const bytes of samples.slice(0, 20)) {
      for (let len = 0; len < bytes.length && cases < 3000; len++, cases++) {
        const result = decodeOrRefuse(bytes.subarray(0, len));
        assert.ok(!result.ok && result.err.code === ErrorCode.CHECKPOINT_CORRUPT, `truncation to ${len} decoded`);
      }
    }
    assert.equal(cases, 3000);
  });

  test('single bit flips: a value or a coded error, and what decodes re-encodes (10,000 cases)', () => {
    for (let i = 0; i < 10_000; i++) {
      const bytes = Buffer.from(samples[i % samples.length]);
      const bit = i % 10 === 0 ? Math.floor(rand() * 32) : 32 + Math.floor(rand() * (bytes.length - 4) * 8);
      bytes[bit >> 3] ^= 1 << (bit & 7);
      const result = decodeOrRefuse(bytes);
      if (result.ok) encodeValue(result.value);
    }
  });

  test('absurd lengths and counts fail fast without allocating', () => {
    const varint = (n: number): number[] => {
      const out: number[] = [];
      for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
      return [...out, n];
    };
    const huge = [2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1];
    const cases: [Buffer, RegExp][] = [
      [withHeader([Tag.STRING, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /varint longer than 8 bytes/],
      [withHeader([Tag.STRING, 0x80, 0x00]), /superfluous zero/],
      [withHeader([Tag.INT32, ...varint(2 ** 33)]), /INT32 out of range/],
      [withHeader([Tag.REF, 0]), /reference to object 0, but only 0 precede it/],
      [withHeader([Tag.TYPED_ARRAY, 99, 0]), /unknown typed array kind/],
      [withHeader([Tag.TYPED_ARRAY, 7, 3, 1, 2, 3]), /not a whole number of Float32Array elements/],
      [withHeader([Tag.REGEXP, 1, 0x28, 0]), /invalid regular expression/],
      [withHeader([Tag.HOLE]), /unknown tag 0x14/],
    ];
    const exceeds = /(count|length) \d+ exceeds the \d+ bytes left/;
    for (const n of huge) {
      for (const tag of [
        Tag.STRING,
        Tag.ARRAY,
        Tag.OBJECT,
        Tag.MAP,
        Tag.SET,
        Tag.BUFFER,
        Tag.ARRAY_BUFFER,
        Tag.DATA_VIEW,
      ]) {
        cases.push([withHeader([tag, ...varint(n)]), exceeds]);
      }
      cases.push(
        [withHeader([Tag.BIGINT, 0, ...varint(n)]), exceeds],
        [withHeader([Tag.TYPED_ARRAY, 8, ...varint(n)]), exceeds],
      );
      cases.push(
        [withHeader([Tag.OBJECT, 1, ...varint(n), 0x61]), exceeds],
        [withHeader([Tag.ARRAY, 1, Tag.STRING, ...varint(n)]), exceeds],
      );
    }
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const start = performance.now();
    for (const [bytes, reason] of cases) {
      const result = decodeOrRefuse(bytes);
      assert.ok(!result.ok && result.err.code === ErrorCode.CHECKPOINT_CORRUPT, `${bytes.toString('hex')} decoded`);
      assert.match(result.err.message, /^fuzz is corrupt: .* at byte \d+$/);
      assert.match(result.err.message, reason);
    }
    assert.ok(performance.now() - start < 1000, 'absurd lengths took too long');
    const grown = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heapBefore;
    assert.ok(grown < 64 * 1024 * 1024, `decoding ${cases.length} tiny inputs grew memory by ${grown} bytes`);
  });

  test('a newer version byte on any body is CHECKPOINT_VERSION', () => {
    for (let version = 2; version < 256; version++) {
      const result = decodeOrRefuse(Buffer.from([0x42, 0x54, 0x4e, version, Math.floor(rand() * 256)]));
      assert.ok(!result.ok && result.err.code === ErrorCode.CHECKPOINT_VERSION);
    }
  });
});
