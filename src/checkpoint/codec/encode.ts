import { BatonError, ErrorCode } from '../../errors.js';
import { FORMAT_VERSION, MAGIC, MAX_DEPTH, Tag, TYPED_ARRAY_KINDS } from './format.js';
import { ByteWriter } from './writer.js';

const KIND_BY_PROTO = new Map<object, number>(TYPED_ARRAY_KINDS.map((ctor, kind) => [ctor.prototype, kind]));
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

type Segment = string | number | { mapKey: unknown };

/**
 * Thrown inside the encoder. The key path is collected while the stack unwinds (each
 * container's catch adds its key), so the happy path never builds path strings.
 */
class Refusal {
  readonly segments: Segment[] = [];
  constructor(
    readonly what: string,
    readonly advice: string,
  ) {}
}

function tagged(err: unknown, segment: Segment): unknown {
  if (err instanceof Refusal) err.segments.push(segment);
  return err;
}

class Encoder extends ByteWriter {
  /** Object -> index in order of first appearance; a second sight writes a REF (sharing, cycles). */
  private readonly seen = new Map<object, number>();

  value(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'number':
        return this.number(v);
      case 'string':
        this.byte(Tag.STRING);
        return this.string(v);
      case 'boolean':
        return this.byte(v ? Tag.TRUE : Tag.FALSE);
      case 'undefined':
        return this.byte(Tag.UNDEFINED);
      case 'bigint':
        return this.bigint(v);
      case 'object':
        return v === null ? this.byte(Tag.NULL) : this.object(v, depth);
      case 'function':
        throw new Refusal('a function', 'which cannot be saved: store data, not code');
      default:
        throw new Refusal('a symbol', 'which cannot be saved: store a string instead');
    }
  }

  private object(v: object, depth: number): void {
    const index = this.seen.get(v);
    if (index !== undefined) {
      this.byte(Tag.REF);
      return this.varint(index);
    }
    this.seen.set(v, this.seen.size);
    // Exact prototype checks: a subclass of Map or Array would come back as the base class.
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      return this.plain(v as Record<string, unknown>, proto === null, depth + 1);
    }
    if (proto === Array.prototype) return this.array(v as unknown[], depth + 1);
    if (proto === Buffer.prototype) return this.bytes(Tag.BUFFER, v as Buffer);
    const kind = KIND_BY_PROTO.get(proto as object);
    if (kind !== undefined) return this.typedArray(kind, v as ArrayBufferView);
    if (proto === Map.prototype) return this.map(v as Map<unknown, unknown>, depth + 1);
    if (proto === Set.prototype) return this.set(v as Set<unknown>, depth + 1);
    if (proto === Date.prototype) return this.float(Tag.DATE, (v as Date).getTime());
    if (proto === ArrayBuffer.prototype) return this.bytes(Tag.ARRAY_BUFFER, new Uint8Array(v as ArrayBuffer));
    if (proto === DataView.prototype) {
      const dv = v as DataView;
      return this.bytes(Tag.DATA_VIEW, new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength));
    }
    if (proto === RegExp.prototype) {
      this.byte(Tag.REGEXP);
      this.string((v as RegExp).source);
      return this.string((v as RegExp).flags);
    }
    throw refuseInstance(v, proto as object);
  }

  private plain(v: Record<string, unknown>, nullProto: boolean, depth: number): void {
    if (depth > MAX_DEPTH) throw tooDeep();
    const keys = Object.keys(v);
    this.byte(nullProto ? Tag.NULL_OBJECT : Tag.OBJECT);
    this.varint(keys.length);
    let i = 0;
    try {
      for (; i < keys.length; i++) {
        this.string(keys[i]);
        this.value(v[keys[i]], depth);
      }
    } catch (err) {
      throw tagged(err, keys[i]);
    }
  }

  private array(v: unknown[], depth: number): void {
    if (depth > MAX_DEPTH) throw tooDeep();
    const n = v.length;
    this.byte(Tag.ARRAY);
    this.varint(n);
    let i = 0;
    try {
      for (; i < n; i++) {
        const item = v[i];
        if (item === undefined && !(i in v)) this.byte(Tag.HOLE);
        else this.value(item, depth);
      }
    } catch (err) {
      throw tagged(err, i);
    }
  }

  private map(v: Map<unknown, unknown>, depth: number): void {
    if (depth > MAX_DEPTH) throw tooDeep();
    this.byte(Tag.MAP);
    this.varint(v.size);
    for (const [key, item] of v) {
      try {
        this.value(key, depth);
        this.value(item, depth);
      } catch (err) {
        throw tagged(err, { mapKey: key });
      }
    }
  }

  private set(v: Set<unknown>, depth: number): void {
    if (depth > MAX_DEPTH) throw tooDeep();
    this.byte(Tag.SET);
    this.varint(v.size);
    let i = 0;
    try {
      for (const item of v) {
        this.value(item, depth);
        i++;
      }
    } catch (err) {
      throw tagged(err, i);
    }
  }

  private typedArray(kind: number, v: ArrayBufferView): void {
    this.byte(Tag.TYPED_ARRAY);
    this.byte(kind);
    this.bytes(
      undefined,
      new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
      TYPED_ARRAY_KINDS[kind].BYTES_PER_ELEMENT,
    );
  }
}

function tooDeep(): Refusal {
  return new Refusal(`more than ${MAX_DEPTH} levels of nested containers`, 'which cannot be saved: flatten it');
}

function refuseInstance(v: object, proto: object): Refusal {
  // The prototype's own `constructor` names the class; an inherited one would say "Object".
  const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  const name = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : undefined;
  if (v instanceof Promise) return new Refusal('a Promise', 'which cannot be saved: await it and store the result');
  if (v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef) {
    return new Refusal(`a ${name ?? 'weak collection'}`, 'whose entries cannot be read: use a Map or Set');
  }
  if (v instanceof Error) {
    return new Refusal(`an error (${name ?? 'Error'})`, 'which cannot be restored: store { name, message } instead');
  }
  if (name === undefined) {
    return new Refusal('an object with a custom prototype', 'which cannot be restored: store plain objects');
  }
  return new Refusal(
    `an instance of class ${name}`,
    'which cannot be restored: store plain data (objects, arrays, Map, Set, Date, Buffer…), not class instances or code',
  );
}

function describeSegment(s: Segment): string {
  if (typeof s === 'number') return `[${s}]`;
  if (typeof s === 'string') return IDENTIFIER.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
  const k = s.mapKey;
  return '.' + ((typeof k !== 'object' && typeof k !== 'function') || k === null ? String(k) : '<key>');
}

function toError(r: Refusal, root: string): BatonError {
  const path = root + r.segments.reverse().map(describeSegment).join('');
  const shown = path.length > 160 ? `${path.slice(0, 100)}…${path.slice(-50)}` : path;
  // "state.model.fit" reads as: checkpoint state, key "model", found at state.model.fit.
  const cut = path.search(/[.[]/);
  const name = cut < 0 ? path : path.slice(0, cut);
  const key = cut < 0 ? undefined : /^\.?\[?"?([^.[\]"]*)/.exec(path.slice(cut))?.[1];
  const message =
    key === undefined
      ? `checkpoint ${name} is ${r.what}, ${r.advice}`
      : `checkpoint ${name} key "${key}" holds ${r.what} at ${shown}, ${r.advice}`;
  return new BatonError(ErrorCode.NOT_SERIALIZABLE, message, { path });
}

/** Encodes `value` in the format of format.ts; `path` names it in errors ("state.model.fit"). */
export function encodeValue(value: unknown, path = 'value'): Buffer {
  const enc = new Encoder();
  enc.header(MAGIC, FORMAT_VERSION);
  try {
    enc.value(value, 0);
  } catch (err) {
    if (err instanceof Refusal) throw toError(err, path);
    if (err instanceof RangeError && err.message.includes('call stack')) {
      throw new BatonError(ErrorCode.NOT_SERIALIZABLE, `checkpoint ${path} is nested too deeply for the stack`, {
        path,
        cause: err,
      });
    }
    throw err;
  }
  return enc.result();
}
