import { TYPED_ARRAY_KINDS } from './format.js';

const BUFFER_PREVIEW_BYTES = 64;
const TYPED_PREVIEW_ITEMS = 16;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Deeper input (not from decodeValue, which stops at MAX_DEPTH) is cut off, not a stack overflow. */
const MAX_PICTURE_DEPTH = 2000;

/**
 * A JSON-printable picture of a decoded value, for `baton jobs inspect`. Types JSON lacks
 * become `{ "$kind": … }` objects; big binary data is summarised, not dumped. An object met a
 * second time (shared or circular) becomes `{ "$ref": "<path of its first sighting>" }`,
 * which also keeps the output linear in the size of the value.
 */
export function toInspectable(value: unknown): unknown {
  return picture(value, '$', new Map(), 0);
}

function picture(v: unknown, path: string, seen: Map<object, string>, depth: number): unknown {
  switch (typeof v) {
    case 'undefined':
      return '$undefined';
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: Object.is(v, -0) ? '-0' : String(v) };
    case 'bigint':
      return { $bigint: v.toString() };
    case 'symbol':
      return { $symbol: v.description ?? '' };
    case 'function':
      return { $function: v.name };
    case 'string':
    case 'boolean':
      return v;
  }
  if (v === null) return null;
  if (depth > MAX_PICTURE_DEPTH) return { $truncated: `deeper than ${MAX_PICTURE_DEPTH} levels` };
  const obj = v as object;
  const first = seen.get(obj);
  if (first !== undefined) return { $ref: first };
  seen.set(obj, path);
  if (obj instanceof Date) return { $date: Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString() };
  if (obj instanceof RegExp) return { $regexp: String(obj) };
  if (Buffer.isBuffer(obj)) return binary('$buffer', obj);
  if (obj instanceof ArrayBuffer) return binary('$arraybuffer', new Uint8Array(obj));
  if (obj instanceof DataView) return binary('$dataview', new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength));
  if (ArrayBuffer.isView(obj)) {
    const kind = TYPED_ARRAY_KINDS.find((ctor) => obj instanceof ctor);
    const items = Array.from((obj as Uint8Array).subarray(0, TYPED_PREVIEW_ITEMS) as ArrayLike<number | bigint>);
    const head = items.map((x) => (typeof x === 'bigint' ? x.toString() : picture(x, path, seen, depth)));
    return { $typed: kind?.name ?? obj.constructor.name, length: (obj as Uint8Array).length, head };
  }
  if (Array.isArray(obj)) return obj.map((item: unknown, i) => picture(item, `${path}[${i}]`, seen, depth + 1));
  if (obj instanceof Map) {
    let i = 0;
    const entries: unknown[] = [];
    for (const [k, item] of obj) {
      const at = `${path}.<entry ${i++}>`;
      entries.push([picture(k, `${at}.key`, seen, depth + 1), picture(item, at, seen, depth + 1)]);
    }
    return { $map: entries };
  }
  if (obj instanceof Set)
    return { $set: Array.from(obj, (item, i) => picture(item, `${path}.<item ${i}>`, seen, depth + 1)) };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const at = IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
    // defineProperty: assigning a `__proto__` key would set the output's prototype instead.
    Object.defineProperty(out, key, {
      value: picture((obj as Record<string, unknown>)[key], at, seen, depth + 1),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return out;
}

function binary(kind: string, bytes: Uint8Array): Record<string, unknown> {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, BUFFER_PREVIEW_BYTES));
  return { [kind]: head.toString('base64'), bytes: bytes.length };
}
