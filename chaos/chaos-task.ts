/**
 * The chaos task, shared by the worker fixture (which runs it) and the harness (which submits
 * it and checks its results). Each step sleeps, then records its side effect in the ledger
 * under `ctx.fence`, then returns a running sum, so a result proves every step's saved value
 * survived. Some jobs carry a state value over 1 MB, whose chunks are written ahead of the
 * commit (the path the `mid-checkpoint` crash point interrupts).
 */
import { createHash } from 'node:crypto';
import type { Rng } from './prng.js';

export const CHAOS_TASK = 'chaos';

export interface ChaosInput {
  steps: number;
  /** Work per step, ms. */
  stepMs: number;
  /** After this step a state value `blob` of blobBytes is set (0: none). */
  blobAfter: number;
  blobBytes: number;
}

export function randomInput(r: Rng): ChaosInput {
  const steps = r.int(3, 8);
  const big = r.chance(0.1);
  return {
    steps,
    stepMs: r.int(40, 300),
    blobAfter: big ? r.int(1, steps - 1) : 0,
    blobBytes: big ? r.int(1 << 20, 3 << 20) : 0,
  };
}

export const stepId = (i: number) => `s${i}`;

/** What a correct run returns: the sum of i² over its steps. */
export function expectedResult(input: ChaosInput): number {
  let sum = 0;
  for (let i = 1; i <= input.steps; i++) sum += i * i;
  return sum;
}

/** The blob a job saves, derived from its id, so a restored one can be checked byte for byte. */
export function blobFor(jobId: string, bytes: number): Buffer {
  const seed = createHash('sha256').update(jobId).digest();
  const out = Buffer.allocUnsafe(bytes);
  for (let at = 0; at < bytes; at += seed.length) seed.copy(out, at, 0, Math.min(seed.length, bytes - at));
  return out;
}
