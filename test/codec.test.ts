import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatonError, ErrorCode } from '../src/errors.js';
import {
  decodeValue,
  encodeValue,
  FORMAT_VERSION,
  hashBytes,
  joinChunks,
  MAX_DEPTH,
  splitChunks,
  toInspectable,
} from '../src/checkpoint/codec/index.js';

const roundTrip = <T>(value: T): T => decodeValue(encodeValue(value)) as T;

function refusal(fn: () => unknown): BatonError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BatonError, `expected a BatonError, got ${String(err)}`);
    assert.equal(err.code, ErrorCode.NOT_SERIALIZABLE);
    return err;
  }
  assert.fail('expected encodeValue to refuse');
}

/** Every type the format has, with sharing and a cycle. Also the source of FIXTURE below. */
function sample(): Record<string, unknown> {
  const shared = { k: 'shared' };
  const nullProto = Object.create(null) as Record<string, unknown>;
  nullProto.x = 1;
  const root: Record<string, unknown> = {
    u: undefined,
    n: null,
    t: true,
    f: false,
    i: [0, -1, 2147483647, -2147483648, 300],
    fl: [1.5, -0, NaN, Infinity, -Infinity, 2 ** 53],
    s: 'héllo 😀',
    b: [0n, -255n, 2n ** 70n],
    d: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
    holes: [1, , 3], // eslint-disable-line no-sparse-arrays -- a hole is what is tested
    np: nullProto,
    m: new Map<unknown, unknown>([
      [shared, 'by object'],
      ['k', shared],
    ]),
    set: new Set([1, 'a']),
    ab: new Uint8Array([1, 2, 3]).buffer,
    buf: Buffer.from('buf'),
    f32: new Float32Array([0.5, -2]),
    i64: new BigInt64Array([-1n, 2n ** 62n]),
    dv: new DataView(new Uint8Array([9, 8]).buffer),
    re: /a+b/gu,
  };
  root.self = root;
  return root;
}

/**
 * sample() as written by format version 1. Never regenerate this to make a test pass: bytes
 * already in users' databases look like this, and must keep decoding to the same value.
 */
const FIXTURE =
  '42544e010a14017500016e01017403016602016909050400040104feffffff0f04ffffffff0f04d80402666c09060500' +
  '0000000000f83f05000000000000008005000000000000f87f05000000000000f07f05000000000000f0ff0500000000' +
  '000040430173060b68c3a96c6c6f20f09f988001620903070000070101ff07000940000000000000000001640800e0c8' +
  '98cab7794205686f6c657309030402140406026e700b0101780402016d0c020a01016b06067368617265640609627920' +
  '6f626a65637406016b1308037365740d0204020601610261620e03010203036275660f03627566036633321007080000' +
  '003f000000c003693634100910ffffffffffffffff0000000000000040026476110209080272651203612b6202677504' +
  '73656c661300';

describe('codec round trip', () => {
  test('primitives, including -0, NaN, infinities and integer edges', () => {
    const values = [
      undefined,
      null,
      true,
      false,
      0,
      -0,
      1,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      0.1,
      NaN,
      Infinity,
      -Infinity,
    ];
    for (const v of values) assert.ok(Object.is(roundTrip(v), v), `${String(v)} changed`);
    assert.equal(roundTrip(Number.MAX_VALUE), Number.MAX_VALUE);
    assert.equal(roundTrip(Number.MIN_VALUE), Number.MIN_VALUE);
  });

  test('strings: empty, emoji, lone surrogates, every length around the short-string cutoff', () => {
    for (const s of ['', 'a', 'héllo', '😀'.repeat(50), 'x'.repeat(1_000_000) + '€']) assert.equal(roundTrip(s), s);
    for (let n = 0; n < 100; n++) {
      const s = [...'ab€😀'.repeat(n)].slice(0, n).join('');
      assert.equal(roundTrip(s), s);
    }
    // Lone surrogates cannot be UTF-8; like Buffer.from they become U+FFFD, short or long.
    assert.equal(roundTrip('a\ud800b'), Buffer.from('a\ud800b').toString());
    assert.equal(roundTrip('a\udc00'.repeat(30)), Buffer.from('a\udc00'.repeat(30)).toString());
  });

  test('bigint of any size and sign', () => {
    for (const v of [0n, 1n, -1n, 255n, 256n, -(2n ** 64n), 2n ** 1000n + 7n]) assert.equal(roundTrip(v), v);
  });

  test('objects, arrays (with holes), dates, Map with object keys, Set, RegExp', () => {
    const key = { id: 1 };
    const value = {
      list: [1, 'two', [3], { four: 4 }],
      holes: [1, , 3], // eslint-disable-line no-sparse-arrays -- a hole is what is tested
      when: new Date('2026-03-04T05:06:07.089Z'),
      map: new Map<unknown, unknown>([
        [key, 'object key'],
        [1, 'number key'],
      ]),
      set: new Set(['a', 1, null]),
      re: /^x+$/gimsuy,
    };
    const back = roundTrip(value);
    assert.deepStrictEqual(back, value);
    assert.ok(!(1 in back.holes));
    assert.ok(Number.isNaN(roundTrip(new Date(NaN)).getTime()));
  });

  test('null-prototype objects keep a null prototype', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.a = 1;
    const back = roundTrip(o);
    assert.equal(Object.getPrototypeOf(back), null);
    assert.deepStrictEqual(back, o);
  });

  test('__proto__ and other Object.prototype names come back as own data properties', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "toString": "x"}') as object;
    const back = roundTrip(hostile) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepStrictEqual(Object.keys(back), ['__proto__', 'constructor', 'toString']);
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, { polluted: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(back.toString, 'x');
  });

  test('binary: Buffer stays a Buffer, typed arrays keep their type and only their view range', () => {
    const buf = roundTrip(Buffer.from('hello'));
    assert.ok(Buffer.isBuffer(buf));
    assert.equal(buf.toString(), 'hello');
    const plain = roundTrip(new Uint8Array([1, 2]));
    assert.ok(!Buffer.isBuffer(plain) && plain instanceof Uint8Array);
    const backing = new ArrayBuffer(64);
    const ctors = [
      Int8Array,
      Uint8Array,
      Uint8ClampedArray,
      Int16Array,
      Uint16Array,
      Int32Array,
      Uint32Array,
      Float32Array,
      Float64Array,
    ] as const;
    for (const Ctor of ctors) {
      const view = new Ctor(backing, 8, 3);
      view.set([1, 2, 3]);
      const back = roundTrip(view);
      assert.equal(back.constructor, Ctor);
      assert.equal(back.buffer.byteLength, 3 * Ctor.BYTES_PER_ELEMENT, `${Ctor.name} copied more than its range`);
      assert.deepStrictEqual(back, view);
    }
    for (const Ctor of [BigInt64Array, BigUint64Array] as const) {
      const view = new Ctor([1n, 2n ** 63n - 1n]);
      assert.deepStrictEqual(roundTrip(view), view);
    }
    const ab = roundTrip(new Uint8Array([5, 6]).buffer);
    assert.ok(ab instanceof ArrayBuffer);
    assert.deepStrictEqual([...new Uint8Array(ab)], [5, 6]);
    const dv = roundTrip(new DataView(backing, 8, 4));
    assert.ok(dv instanceof DataView && dv.byteLength === 4);
  });

  test('a 20 MB Buffer', () => {
    const big = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const encoded = encodeValue({ big });
    // Grown to fit exactly (not doubled), and handed over without a second copy.
    assert.ok(encoded.buffer.byteLength < big.length + 1024, `output buffer is ${encoded.buffer.byteLength} bytes`);
    const back = (decodeValue(encoded) as { big: Buffer }).big;
    assert.ok(Buffer.isBuffer(back));
    assert.ok(back.equals(big));
  });

  test('shared references keep their identity, cycles round-trip', () => {
    const shared = { n: 1 };
    const a: Record<string, unknown> = { x: shared, y: shared, list: [shared] };
    a.self = a;
    const back = roundTrip(a);
    assert.equal(back.x, back.y);
    assert.equal((back.list as unknown[])[0], back.x);
    assert.equal(back.self, back);
    const set = new Set<unknown>();
    set.add(set);
    const setBack = roundTrip(set);
    assert.ok(setBack.has(setBack));
  });

  test('sample() matches itself and the stored fixture (format stability)', () => {
    assert.deepStrictEqual(roundTrip(sample()), sample());
    const fromFixture = decodeValue(Buffer.from(FIXTURE, 'hex')) as Record<string, unknown>;
    assert.equal(fromFixture.self, fromFixture);
    assert.equal(
      (fromFixture.m as Map<unknown, unknown>).get('k'),
      [...(fromFixture.m as Map<unknown, unknown>).keys()][0],
    );
    assert.deepStrictEqual(fromFixture, sample());
    assert.ok(Buffer.isBuffer(fromFixture.buf));
    assert.equal(
      encodeValue(sample()).toString('hex'),
      FIXTURE,
      'the encoder output changed: is that a new format version?',
    );
  });
});

describe('codec refusals', () => {
  test('a function names its path', () => {
    const err = refusal(() => encodeValue({ fit: () => 1 }, 'state.model'));
    assert.equal(err.path, 'state.model.fit');
    assert.match(err.message, /state\.model\.fit/);
    assert.match(err.message, /function/);
  });

  test('a symbol value; symbol keys are ignored', () => {
    const err = refusal(() => encodeValue({ list: [0, 1, 2, { x: Symbol('s') }] }, 'state'));
    assert.equal(err.path, 'state.list[3].x');
    assert.deepStrictEqual(roundTrip({ [Symbol('k')]: 1, a: 2 }), { a: 2 });
  });

  test('a class instance names its class and path', () => {
    class Model {
      weights = [1, 2];
    }
    const err = refusal(() => encodeValue({ model: { fit: new Model() } }, 'state'));
    assert.equal(err.path, 'state.model.fit');
    assert.match(err.message, /checkpoint state key "model" holds an instance of class Model at state\.model\.fit/);
    assert.match(err.message, /not class instances or code/);
  });

  test('Map keys and values name their key', () => {
    assert.equal(refusal(() => encodeValue({ m: new Map([['k', () => 1]]) }, 'state')).path, 'state.m.k');
    assert.equal(refusal(() => encodeValue(new Map([[{}, Symbol()]]), 'state')).path, 'state.<key>');
  });

  test('WeakMap, WeakSet, Promise, Error, subclasses of built-ins, boxed primitives', () => {
    class MyMap extends Map {}
    const cases: [unknown, RegExp][] = [
      [new WeakMap(), /WeakMap/],
      [new WeakSet(), /WeakSet/],
      [Promise.resolve(1), /Promise/],
      [new TypeError('x'), /TypeError/],
      [new MyMap(), /class MyMap/],
      [Object(1), /class Number/],
    ];
    for (const [value, pattern] of cases) assert.match(refusal(() => encodeValue({ v: value })).message, pattern);
  });

  test('nesting beyond MAX_DEPTH is refused cleanly, even 100,000 deep', () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const err = refusal(() => encodeValue({ deep }, 'state'));
    assert.match(err.message, new RegExp(`more than ${MAX_DEPTH} levels`));
    let ok: unknown[] = [];
    for (let i = 1; i < MAX_DEPTH; i++) ok = [ok]; // MAX_DEPTH arrays in all: the limit itself
    assert.deepStrictEqual(roundTrip(ok), ok);
    refusal(() => encodeValue([ok]));
  });

  test('the decoder refuses the same depth from crafted bytes (100,000 nested arrays)', () => {
    const nested = Buffer.concat([
      Buffer.from('BTN\x01', 'latin1'),
      Buffer.alloc(200_000, Buffer.from([0x09, 0x01])),
      Buffer.from([0x00]),
    ]);
    assert.throws(() => decodeValue(nested, 'cp'), {
      code: ErrorCode.CHECKPOINT_CORRUPT,
      message: /cp is corrupt: containers nested deeper than 1000 at byte 2004/,
    });
  });
});

describe('codec header', () => {
  test('a newer format version is CHECKPOINT_VERSION, bad magic is CHECKPOINT_CORRUPT', () => {
    const bytes = encodeValue({ a: 1 });
    bytes[3] = FORMAT_VERSION + 1;
    assert.throws(
      () => decodeValue(bytes, 'checkpoint 3'),
      (err: unknown) => {
        assert.ok(err instanceof BatonError && err.code === ErrorCode.CHECKPOINT_VERSION);
        assert.match(err.message, /checkpoint 3 was written by a newer Baton \(format 2, this one reads up to 1\)/);
        return true;
      },
    );
    assert.throws(() => decodeValue(Buffer.from('{"a":1}'), 'cp'), { code: ErrorCode.CHECKPOINT_CORRUPT });
    assert.throws(
      () => decodeValue(Buffer.concat([encodeValue(1), Buffer.from([0])]), 'cp'),
      /cp is corrupt: 1 unexpected bytes after the value at byte 6/,
    );
  });
});

describe('chunks and inspect', () => {
  test('split is views without copies, join restores, empty gives one chunk', () => {
    const data = Buffer.from('abcdefghij');
    const parts = splitChunks(data, 4);
    assert.deepStrictEqual(parts.map(String), ['abcd', 'efgh', 'ij']);
    assert.equal(parts[1].buffer, data.buffer);
    assert.ok(joinChunks(parts).equals(data));
    assert.equal(splitChunks(Buffer.alloc(0)).length, 1);
    assert.equal(hashBytes(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('toInspectable prints every type readably and survives cycles', () => {
    const printed = JSON.parse(JSON.stringify(toInspectable(decodeValue(Buffer.from(FIXTURE, 'hex'))))) as Record<
      string,
      unknown
    >;
    assert.equal(printed.u, '$undefined');
    assert.deepStrictEqual(printed.fl, [
      1.5,
      { $number: '-0' },
      { $number: 'NaN' },
      { $number: 'Infinity' },
      { $number: '-Infinity' },
      2 ** 53,
    ]);
    assert.deepStrictEqual(printed.b, [{ $bigint: '0' }, { $bigint: '-255' }, { $bigint: String(2n ** 70n) }]);
    assert.deepStrictEqual(printed.d, { $date: '2026-01-02T03:04:05.006Z' });
    assert.deepStrictEqual(toInspectable(new Date(NaN)), { $date: 'Invalid Date' });
    assert.deepStrictEqual(printed.m, {
      $map: [
        [{ k: 'shared' }, 'by object'],
        ['k', { $ref: '$.m.<entry 0>.key' }],
      ],
    });
    assert.deepStrictEqual(printed.set, { $set: [1, 'a'] });
    assert.deepStrictEqual(printed.buf, { $buffer: Buffer.from('buf').toString('base64'), bytes: 3 });
    assert.deepStrictEqual(printed.f32, { $typed: 'Float32Array', length: 2, head: [0.5, -2] });
    assert.deepStrictEqual(printed.self, { $ref: '$' });
    const big = toInspectable(Buffer.alloc(1000)) as { $buffer: string; bytes: number };
    assert.equal(Buffer.from(big.$buffer, 'base64').length, 64);
    assert.equal(big.bytes, 1000);
  });
});
