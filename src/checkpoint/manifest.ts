/**
 * The manifest maps every saved value to the chunks that hold its encoding. It is stored as
 * JSON next to the checkpoint header, and the checksum covers header and manifest, so a
 * checkpoint is verified from its row down to each chunk (whose hash is its name).
 */
import { createHash } from 'node:crypto';

/** One encoded value: the hashes of its chunks, in order, and its encoded size. */
export interface ValueRef {
  c: string[];
  n: number;
}

export type Section = 'state' | 'results' | 'steps';
export const SECTIONS: readonly Section[] = ['state', 'results', 'steps'];

export interface Manifest {
  state: Record<string, ValueRef>;
  results: Record<string, ValueRef>;
  steps: Record<string, ValueRef>;
  input: ValueRef;
}

export interface ChecksumFields {
  jobId: string;
  epoch: number;
  attempt: number;
  nodeId: string;
  progress: number;
  currentStep: string | null;
  completedSteps: readonly string[];
  formatVersion: number;
  manifest: string;
}

export function checkpointChecksum(f: ChecksumFields): string {
  return createHash('sha256')
    .update(
      JSON.stringify([f.jobId, f.epoch, f.attempt, f.nodeId, f.progress, f.currentStep, f.completedSteps, f.formatVersion]),
    )
    .update('\n')
    .update(f.manifest)
    .digest('hex');
}

/** Every distinct chunk hash the manifest references. */
export function manifestRefs(m: Manifest): string[] {
  const refs = new Set<string>(m.input.c);
  for (const section of SECTIONS) for (const ref of Object.values(m[section])) for (const h of ref.c) refs.add(h);
  return [...refs];
}

export function manifestSize(m: Manifest): number {
  let n = m.input.n;
  for (const section of SECTIONS) for (const ref of Object.values(m[section])) n += ref.n;
  return n;
}

export function parseManifest(text: string): Manifest {
  const m = JSON.parse(text) as Partial<Manifest>;
  if (typeof m !== 'object' || m === null || m.input === undefined || !Array.isArray(m.input.c)) {
    throw new Error('manifest has no input reference');
  }
  for (const section of SECTIONS) {
    const entries = m[section];
    if (typeof entries !== 'object' || entries === null) throw new Error(`manifest has no ${section} section`);
    for (const ref of Object.values(entries)) if (!Array.isArray(ref.c)) throw new Error(`manifest ${section} entry without chunks`);
  }
  return m as Manifest;
}
