/**
 * The checkpoint value format, version 1. A checkpoint outlives the process (and the Node
 * version) that wrote it, so the format is our own and fully described here, not v8.serialize.
 *
 *   blob    = magic(3) version(1) value           nothing may follow the value
 *   magic   = 0x42 0x54 0x4E ("BTN")
 *   version = 0x01; a reader refuses a higher version (CHECKPOINT_VERSION), 0 is corrupt
 *   value   = tag(1) payload
 *
 * Primitives (all multi-byte numbers are little-endian):
 *   0x00 UNDEFINED  0x01 NULL  0x02 FALSE  0x03 TRUE        no payload
 *   0x04 INT32      varint(zigzag(n)); zigzag(n) = (n << 1) ^ (n >> 31), must be < 2^32
 *   0x05 FLOAT64    8 bytes IEEE 754 (NaN, ±Infinity and -0 included)
 *   0x06 STRING     str
 *   0x07 BIGINT     sign(1: 0x00 positive, 0x01 negative) varint(n) n bytes magnitude, big-endian
 *                   (writers emit no leading zero byte, and n = 0 for zero)
 *
 * Objects. Every value with tag >= 0x08 except REF and HOLE is an *object*: it gets the next
 * index (0, 1, 2…) in order of its tag's appearance, before its children are read, so a child
 * can refer to an enclosing object (cycles) and a later value to an earlier one (sharing):
 *   0x08 DATE        8 bytes float64 milliseconds since the epoch (NaN = invalid date)
 *   0x09 ARRAY       varint(count) count × (value | HOLE)
 *   0x0A OBJECT      varint(count) count × (str key, value)   prototype Object.prototype
 *   0x0B NULL_OBJECT as OBJECT, prototype null
 *   0x0C MAP         varint(count) count × (value key, value)
 *   0x0D SET         varint(count) count × value
 *   0x0E ARRAY_BUFFER varint(n) n bytes
 *   0x0F BUFFER      varint(n) n bytes                         a Node Buffer
 *   0x10 TYPED_ARRAY kind(1) varint(n) n bytes, n a multiple of the element size, elements
 *                    little-endian. kind: 0 Int8, 1 Uint8, 2 Uint8Clamped, 3 Int16, 4 Uint16,
 *                    5 Int32, 6 Uint32, 7 Float32, 8 Float64, 9 BigInt64, 10 BigUint64
 *   0x11 DATA_VIEW   varint(n) n bytes                         over a fresh ArrayBuffer
 *   0x12 REGEXP      str source, str flags
 *   0x13 REF         varint(index) of an earlier object; not itself an object
 *   0x14 HOLE        only as an array element: the index is absent (sparse array)
 *
 *   str    = varint(n) n bytes UTF-8 (a reader may replace invalid UTF-8 with U+FFFD)
 *   varint = unsigned LEB128: 7 bits per byte, low group first, high bit set on all but the
 *            last byte; at most 8 bytes, value <= 2^53 - 1, no superfluous trailing 0x00 byte
 *
 * Typed array element bytes are the view's range only (never the whole underlying buffer);
 * views that shared one ArrayBuffer come back with a buffer each. Object keys are own,
 * enumerable string keys in Object.keys order; symbol keys and non-index array properties
 * are not stored. ARRAY/OBJECT/NULL_OBJECT/MAP/SET containers nest at most MAX_DEPTH (1000)
 * deep, the outermost counting as 1; deeper data is refused by writer and reader.
 * Readers reject anything else: unknown tags or kinds, lengths or counts beyond the bytes left,
 * a REF to an index not yet assigned, bytes after the value.
 */

/** "BTN": the first three bytes of every encoded value. */
export const MAGIC = [0x42, 0x54, 0x4e] as const;

/** Bumped only for changes an older reader cannot understand; readers accept <= their own. */
export const FORMAT_VERSION = 1;

/** Magic plus version byte. */
export const HEADER_SIZE = 4;

/**
 * Containers nested deeper than this are refused (encode) or corrupt (decode). Keeps both
 * sides' recursion far from the JS stack limit; real state is never this deep.
 */
export const MAX_DEPTH = 1000;

export const Tag = {
  UNDEFINED: 0x00,
  NULL: 0x01,
  FALSE: 0x02,
  TRUE: 0x03,
  INT32: 0x04,
  FLOAT64: 0x05,
  STRING: 0x06,
  BIGINT: 0x07,
  DATE: 0x08,
  ARRAY: 0x09,
  OBJECT: 0x0a,
  NULL_OBJECT: 0x0b,
  MAP: 0x0c,
  SET: 0x0d,
  ARRAY_BUFFER: 0x0e,
  BUFFER: 0x0f,
  TYPED_ARRAY: 0x10,
  DATA_VIEW: 0x11,
  REGEXP: 0x12,
  REF: 0x13,
  HOLE: 0x14,
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

/** Typed array kinds, in the order of the kind byte after TYPED_ARRAY. Never reorder. */
export const TYPED_ARRAY_KINDS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;
export type TypedArray = InstanceType<(typeof TYPED_ARRAY_KINDS)[number]>;

/** Typed array bytes are little-endian on the wire; a big-endian host swaps them in place. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the byte order of each element (the same operation in both directions). */
export function swapToLittleEndian(bytes: Buffer, elementSize: number): void {
  if (elementSize === 2) bytes.swap16();
  else if (elementSize === 4) bytes.swap32();
  else if (elementSize === 8) bytes.swap64();
}
