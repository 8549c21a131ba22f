import { BatonError, ErrorCode } from '../../errors.js';

/*
 * Object keys repeat (every item of a list has the same ones), and turning fresh bytes into a
 * property key is the decoder's main cost: a slice plus a string-table lookup per store. A
 * small direct-mapped cache, keyed by the exact bytes, hands back the same string each time.
 * It holds copies of the key bytes, never a view of the caller's buffer.
 */
const KEY_CACHE_SLOTS = 1024; // a power of two
const MAX_CACHED_KEY_BYTES = 40;
const cachedKeyBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(KEY_CACHE_SLOTS).fill(undefined);
const cachedKeys: string[] = new Array<string>(KEY_CACHE_SLOTS).fill('');

/**
 * Bounds-checked reads over untrusted bytes. Every length is checked against the bytes left
 * before anything is allocated for it, so a hostile length fails fast instead of allocating.
 */
export class ByteReader {
  protected readonly buf: Buffer;
  pos = 0;

  constructor(
    bytes: Uint8Array,
    protected readonly what: string,
  ) {
    // A view over the caller's memory, not a copy; it is never written to.
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  fail(detail: string, at = this.pos): never {
    throw new BatonError(ErrorCode.CHECKPOINT_CORRUPT, `${this.what} is corrupt: ${detail} at byte ${at}`);
  }

  byte(): number {
    if (this.pos >= this.buf.length) this.fail('unexpected end of data');
    return this.buf[this.pos++];
  }

  /** Unsigned LEB128, at most 8 bytes and 2^53 - 1, minimal (no trailing zero group). */
  varint(): number {
    const at = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (b === 0 && i > 0) this.fail('varint with a superfluous zero byte', at);
        if (result > Number.MAX_SAFE_INTEGER) this.fail('varint above 2^53 - 1', at);
        return result;
      }
      scale *= 128;
    }
    return this.fail('varint longer than 8 bytes', at);
  }

  /** A count of items that take at least `minBytes` each, checked against the bytes left. */
  count(minBytes: number): number {
    const at = this.pos;
    const n = this.varint();
    if (n * minBytes > this.remaining) this.fail(`count ${n} exceeds the ${this.remaining} bytes left`, at);
    return n;
  }

  /** A varint length and that many bytes, as a view (callers copy what they keep). */
  bytes(): Buffer {
    const at = this.pos;
    const n = this.varint();
    if (n > this.remaining) this.fail(`length ${n} exceeds the ${this.remaining} bytes left`, at);
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }

  /** Invalid UTF-8 becomes U+FFFD rather than an error: the bytes are still bounded and safe. */
  string(): string {
    const at = this.pos;
    const n = this.varint();
    if (n > this.remaining) this.fail(`string length ${n} exceeds the ${this.remaining} bytes left`, at);
    const start = this.pos;
    const end = (this.pos += n);
    // Short ASCII in JS: cheaper than a native call, and the result is still a flat string.
    if (n <= 12) {
      let s = '';
      for (let i = start; i < end; i++) {
        const c = this.buf[i];
        if (c > 0x7f) return this.buf.toString('utf8', start, end);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.buf.toString('utf8', start, end);
  }

  /** As string(), for object keys, through the key cache. */
  key(): string {
    const at = this.pos;
    const n = this.varint();
    if (n > MAX_CACHED_KEY_BYTES || n === 0 || n > this.remaining) {
      this.pos = at;
      return this.string();
    }
    const buf = this.buf;
    const start = this.pos;
    const end = (this.pos += n);
    let hash = 0x811c9dc5; // FNV-1a
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i], 0x01000193);
    const slot = hash & (KEY_CACHE_SLOTS - 1);
    const known = cachedKeyBytes[slot];
    if (known !== undefined && known.length === n) {
      let i = 0;
      while (i < n && known[i] === buf[start + i]) i++;
      if (i === n) return cachedKeys[slot];
    }
    const key = buf.toString('utf8', start, end);
    cachedKeyBytes[slot] = new Uint8Array(buf.subarray(start, end));
    cachedKeys[slot] = key;
    return key;
  }

  float(): number {
    if (this.remaining < 8) this.fail('unexpected end of data inside a number');
    this.pos += 8;
    return this.buf.readDoubleLE(this.pos - 8);
  }
}
