import { constants } from 'node:buffer';
import { BatonError, ErrorCode } from '../../errors.js';
import { HOST_LITTLE_ENDIAN, swapToLittleEndian, Tag } from './format.js';

/** Initial size of the output buffer; it doubles from here. */
const INITIAL_SIZE = 8 * 1024;
/** Outputs up to this size are copied out, and their grown buffer is kept for the next call. */
const REUSE_LIMIT = 1024 * 1024;
/** The buffer kept between calls; taken while in use, so a nested encode gets its own. */
let spare: Buffer | undefined;

/**
 * A growable output buffer with the format's primitive writers. It doubles when full, except
 * that one large payload grows it to exactly what is needed, so a 100 MB Buffer is copied once.
 */
export class ByteWriter {
  protected buf: Buffer;
  protected pos = 0;

  constructor() {
    this.buf = spare ?? Buffer.allocUnsafe(INITIAL_SIZE);
    spare = undefined;
  }

  header(magic: readonly number[], version: number): void {
    for (const b of magic) this.byte(b);
    this.byte(version);
  }

  /**
   * The bytes written. Small results are copied out (cheap) so the buffer can be reused; large
   * ones are handed over as a view, since a second copy of 100 MB is not cheap. Unwritten
   * (uninitialised) bytes are never exposed either way.
   */
  result(): Buffer {
    if (this.buf.length > REUSE_LIMIT) return this.buf.subarray(0, this.pos);
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    spare = this.buf;
    return out;
  }

  protected ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const need = this.pos + n;
    if (need > constants.MAX_LENGTH) {
      throw new BatonError(
        ErrorCode.NOT_SERIALIZABLE,
        `value is too large to encode (over ${constants.MAX_LENGTH} bytes)`,
      );
    }
    const next = Buffer.allocUnsafe(Math.max(need, Math.min(this.buf.length * 2, constants.MAX_LENGTH)));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }

  varint(n: number): void {
    this.ensure(8);
    const buf = this.buf;
    let pos = this.pos;
    while (n > 0x7f) {
      buf[pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  protected number(v: number): void {
    // -0 fails the second test and goes to FLOAT64, which keeps its sign.
    if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
      this.byte(Tag.INT32);
      this.varint(((v << 1) ^ (v >> 31)) >>> 0);
    } else {
      this.float(Tag.FLOAT64, v);
    }
  }

  protected float(tag: number, v: number): void {
    this.ensure(9);
    this.buf[this.pos] = tag;
    this.buf.writeDoubleLE(v, this.pos + 1);
    this.pos += 9;
  }

  protected bigint(v: bigint): void {
    const negative = v < 0n;
    let hex = (negative ? -v : v).toString(16);
    if (hex === '0') hex = '';
    else if (hex.length % 2 === 1) hex = '0' + hex;
    const n = hex.length / 2;
    this.byte(Tag.BIGINT);
    this.byte(negative ? 1 : 0);
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(hex, this.pos, n, 'hex');
  }

  /** Writes `tag` (if any), a varint length and the bytes; `elementSize` > 1 means little-endian numbers. */
  protected bytes(tag: number | undefined, src: Uint8Array, elementSize = 1): void {
    if (tag !== undefined) this.byte(tag);
    const n = src.byteLength;
    this.varint(n);
    this.ensure(n);
    this.buf.set(src, this.pos);
    if (!HOST_LITTLE_ENDIAN && elementSize > 1)
      swapToLittleEndian(this.buf.subarray(this.pos, this.pos + n), elementSize);
    this.pos += n;
  }

  /** varint byte length + UTF-8. Lone surrogates become U+FFFD, as Buffer.write does. */
  protected string(s: string): void {
    const n = s.length;
    // Short strings (most keys) are encoded here: 3 bytes per UTF-16 unit at most, so the
    // length fits one varint byte, and a JS loop beats a native call for a few characters.
    if (n > 42) {
      const len = Buffer.byteLength(s, 'utf8');
      this.varint(len);
      this.ensure(len);
      this.pos += this.buf.write(s, this.pos, len, 'utf8');
      return;
    }
    this.ensure(1 + 3 * n);
    const buf = this.buf;
    const start = this.pos;
    let p = start + 1;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        buf[p++] = c;
        continue;
      }
      if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
            i++;
            buf[p++] = 0xf0 | (c >> 18);
            buf[p++] = 0x80 | ((c >> 12) & 0x3f);
          } else {
            c = 0xfffd;
            buf[p++] = 0xe0 | (c >> 12);
          }
        } else {
          buf[p++] = 0xe0 | (c >> 12);
        }
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      }
      buf[p++] = 0x80 | (c & 0x3f);
    }
    buf[start] = p - start - 1;
    this.pos = p;
  }
}
