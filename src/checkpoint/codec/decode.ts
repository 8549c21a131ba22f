import { BatonError, ErrorCode } from '../../errors.js';
import {
  FORMAT_VERSION,
  HEADER_SIZE,
  HOST_LITTLE_ENDIAN,
  MAGIC,
  MAX_DEPTH,
  swapToLittleEndian,
  Tag,
  TYPED_ARRAY_KINDS,
} from './format.js';
import { ByteReader } from './reader.js';

/**
 * Reads the format of format.ts from untrusted bytes. Nothing here runs code found in the data:
 * only the built-in constructors below are called, and keys are set as own data properties.
 */
class Decoder extends ByteReader {
  /** Objects in order of appearance, for REF. */
  private readonly refs: unknown[] = [];

  header(): void {
    if (this.buf.length < HEADER_SIZE || MAGIC.some((b, i) => this.buf[i] !== b)) {
      this.fail('not a Baton encoded value (bad magic bytes or too short)', 0);
    }
    const version = this.buf[3];
    if (version > FORMAT_VERSION) {
      throw new BatonError(
        ErrorCode.CHECKPOINT_VERSION,
        `${this.what} was written by a newer Baton (format ${version}, this one reads up to ${FORMAT_VERSION}): upgrade Baton on this node`,
      );
    }
    if (version === 0) this.fail('format version 0', 3);
    this.pos = HEADER_SIZE;
  }

  value(depth: number): unknown {
    const at = this.pos;
    const tag = this.byte();
    switch (tag) {
      case Tag.UNDEFINED:
        return undefined;
      case Tag.NULL:
        return null;
      case Tag.FALSE:
        return false;
      case Tag.TRUE:
        return true;
      case Tag.INT32: {
        const z = this.varint();
        if (z > 0xffffffff) this.fail('INT32 out of range', at);
        return (z >>> 1) ^ -(z & 1);
      }
      case Tag.FLOAT64:
        return this.float();
      case Tag.STRING:
        return this.string();
      case Tag.BIGINT:
        return this.bigint(at);
      case Tag.DATE:
        return this.keep(new Date(this.float()));
      case Tag.ARRAY:
        return this.array(this.enter(depth, at));
      case Tag.OBJECT:
      case Tag.NULL_OBJECT:
        return this.object(tag === Tag.NULL_OBJECT, this.enter(depth, at));
      case Tag.MAP:
        return this.map(this.enter(depth, at));
      case Tag.SET:
        return this.set(this.enter(depth, at));
      case Tag.BUFFER:
        return this.keep(Buffer.from(this.bytes()));
      case Tag.ARRAY_BUFFER:
        return this.keep(copyToArrayBuffer(this.bytes()));
      case Tag.DATA_VIEW:
        return this.keep(new DataView(copyToArrayBuffer(this.bytes())));
      case Tag.TYPED_ARRAY:
        return this.keep(this.typedArray(at));
      case Tag.REGEXP:
        return this.keep(this.regexp(at));
      case Tag.REF: {
        const index = this.varint();
        if (index >= this.refs.length)
          this.fail(`reference to object ${index}, but only ${this.refs.length} precede it`, at);
        return this.refs[index];
      }
      default:
        return this.fail(`unknown tag 0x${tag.toString(16).padStart(2, '0')}`, at);
    }
  }

  private keep<T>(v: T): T {
    this.refs.push(v);
    return v;
  }

  private enter(depth: number, at: number): number {
    if (depth >= MAX_DEPTH) this.fail(`containers nested deeper than ${MAX_DEPTH}`, at);
    return depth + 1;
  }

  private array(depth: number): unknown[] {
    const n = this.count(1);
    const arr = this.keep<unknown[]>([]);
    for (let i = 0; i < n; i++) {
      if (this.buf[this.pos] === Tag.HOLE) {
        this.pos++;
        arr.length = i + 1;
      } else {
        arr.push(this.value(depth));
      }
    }
    return arr;
  }

  private object(nullProto: boolean, depth: number): Record<string, unknown> {
    const n = this.count(2);
    const obj = this.keep<Record<string, unknown>>(nullProto ? Object.create(null) : {});
    for (let i = 0; i < n; i++) {
      const key = this.key();
      const v = this.value(depth);
      // Assignment would run Object.prototype's `__proto__` setter (prototype pollution) or
      // throw on frozen intrinsics; such keys become own data properties instead.
      if (key in Object.prototype) {
        Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
      } else {
        obj[key] = v;
      }
    }
    return obj;
  }

  private map(depth: number): Map<unknown, unknown> {
    const n = this.count(2);
    const map = this.keep(new Map<unknown, unknown>());
    for (let i = 0; i < n; i++) {
      const key = this.value(depth);
      map.set(key, this.value(depth));
    }
    return map;
  }

  private set(depth: number): Set<unknown> {
    const n = this.count(1);
    const set = this.keep(new Set<unknown>());
    for (let i = 0; i < n; i++) set.add(this.value(depth));
    return set;
  }

  private bigint(at: number): bigint {
    const sign = this.byte();
    if (sign > 1) this.fail(`bigint sign byte ${sign}`, at);
    const magnitude = this.bytes();
    const v = magnitude.length === 0 ? 0n : BigInt('0x' + magnitude.toString('hex'));
    return sign === 1 ? -v : v;
  }

  private typedArray(at: number): ArrayBufferView {
    const ctor = TYPED_ARRAY_KINDS[this.byte()];
    if (ctor === undefined) this.fail('unknown typed array kind', at);
    const bytes = this.bytes();
    const size = ctor.BYTES_PER_ELEMENT;
    if (bytes.length % size !== 0)
      this.fail(`${bytes.length} bytes is not a whole number of ${ctor.name} elements`, at);
    const view = new ctor(bytes.length / size);
    const own = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    own.set(bytes);
    if (!HOST_LITTLE_ENDIAN) swapToLittleEndian(own, size);
    return view;
  }

  private regexp(at: number): RegExp {
    const source = this.string();
    const flags = this.string();
    try {
      return new RegExp(source, flags);
    } catch {
      return this.fail('invalid regular expression', at);
    }
  }
}

function copyToArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

/**
 * Decodes bytes made by encodeValue. `what` names them in errors ("checkpoint 7 of job x").
 * Throws only BatonError: CHECKPOINT_VERSION for a newer format, CHECKPOINT_CORRUPT otherwise.
 */
export function decodeValue(bytes: Uint8Array, what = 'value'): unknown {
  let decoder: Decoder | undefined;
  try {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('expected bytes (a Uint8Array)');
    decoder = new Decoder(bytes, what);
    decoder.header();
    const value = decoder.value(0);
    if (decoder.remaining > 0) decoder.fail(`${decoder.remaining} unexpected bytes after the value`);
    return value;
  } catch (err) {
    if (err instanceof BatonError) throw err;
    // Nothing but our coded errors may escape, even from a bug or an exhausted stack.
    const detail = err instanceof Error ? err.message : String(err);
    throw new BatonError(ErrorCode.CHECKPOINT_CORRUPT, `${what} is corrupt: ${detail} at byte ${decoder?.pos ?? 0}`, {
      cause: err,
    });
  }
}
