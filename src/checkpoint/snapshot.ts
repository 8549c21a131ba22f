/**
 * Turns the live values of a job into a prepared checkpoint, synchronously, so the checkpoint
 * is a consistent snapshot even though its I/O happens later. Only keys set or read since the
 * last checkpoint are encoded; an encoding whose chunk hashes did not change reuses the
 * previous reference, and only chunks the job does not have yet are written.
 */
import { encodeValue, hashBytes, splitChunks } from './codec/index.js';
import { SECTIONS, type Manifest, type Section, type ValueRef } from './manifest.js';

export type Values = Record<Section, Map<string, unknown>>;
export type DirtyKeys = Record<Section, Set<string>>;

export const SECTION_PATH: Record<Section, string> = { state: 'state', results: 'intermediateResults', steps: 'steps' };

export interface PreparedSnapshot {
  manifest: Manifest;
  /** Chunks the store does not have yet for this job. */
  newChunks: Array<[hash: string, data: Uint8Array]>;
  newBytes: number;
  /** Hashes already queued in newChunks (a value may repeat a chunk). */
  pending: Set<string>;
}

export function emptyDirty(): DirtyKeys {
  return { state: new Set(), results: new Set(), steps: new Set() };
}

/** A reference to already-encoded bytes (e.g. the job input as stored on the job row). */
export function refOf(bytes: Uint8Array, known: ReadonlySet<string>, out: PreparedSnapshot): ValueRef {
  const chunks = splitChunks(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const c: string[] = [];
  for (const chunk of chunks) {
    const hash = hashBytes(chunk);
    c.push(hash);
    if (!known.has(hash) && !out.pending.has(hash)) {
      out.pending.add(hash);
      out.newChunks.push([hash, chunk]);
      out.newBytes += chunk.byteLength;
    }
  }
  return { c, n: bytes.byteLength };
}

/** Null-prototype copy: a key named "__proto__" stays an ordinary key. */
const copyEntries = (o: Record<string, ValueRef>): Record<string, ValueRef> => Object.assign(Object.create(null), o);

const sameRef = (a: ValueRef | undefined, b: ValueRef): boolean =>
  a !== undefined && a.n === b.n && a.c.length === b.c.length && a.c.every((h, i) => h === b.c[i]);

/**
 * Encodes the dirty values on top of `previous`. Throws NOT_SERIALIZABLE (naming the key path)
 * before anything is written, so a refused value leaves the previous checkpoint intact.
 */
export function prepareSnapshot(
  values: Values,
  dirty: DirtyKeys,
  previous: Manifest,
  known: ReadonlySet<string>,
): PreparedSnapshot {
  const out: PreparedSnapshot = {
    manifest: {
      state: copyEntries(previous.state),
      results: copyEntries(previous.results),
      steps: copyEntries(previous.steps),
      input: previous.input,
    },
    newChunks: [],
    newBytes: 0,
    pending: new Set(),
  };
  for (const section of SECTIONS) {
    for (const key of dirty[section]) {
      if (!values[section].has(key)) continue;
      const encoded = encodeValue(values[section].get(key), `${SECTION_PATH[section]}.${key}`);
      const ref = refOf(encoded, known, out);
      out.manifest[section][key] = sameRef(previous[section][key], ref) ? previous[section][key] : ref;
    }
  }
  return out;
}
