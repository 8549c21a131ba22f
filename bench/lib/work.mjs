/**
 * The workload of the long-job benchmarks: units of mixed CPU work (SHA-256 over 64 KB) and
 * file I/O (a 64 KB write and read back at a moving offset of a scratch file), with about
 * 10 KB of state that changes at every unit (a ring of 160 recent records).
 */
import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

export const RING = 160;
const BLOCK = 64 * 1024;
const FILE_BLOCKS = 256; // 16 MB scratch file

export async function openWorkload(scratchFile, hashesPerUnit = 16) {
  const fh = await open(scratchFile, 'w+');
  const block = randomBytes(BLOCK);
  const back = Buffer.alloc(BLOCK);
  let digest = createHash('sha256').update(block).digest();
  return {
    /** One unit of work; returns a 16-hex-char digest that the state records. */
    async unit(i) {
      for (let h = 0; h < hashesPerUnit; h++) {
        block.writeUInt32LE(i + h, 0);
        digest = createHash('sha256').update(digest).update(block).digest();
      }
      const pos = (i % FILE_BLOCKS) * BLOCK;
      await fh.write(block, 0, BLOCK, pos);
      await fh.read(back, 0, BLOCK, pos);
      return digest.toString('hex', 0, 8);
    },
    close: () => fh.close(),
  };
}

/** A fresh ring of records (about 10 KB encoded). */
export function newRing() {
  return Array.from({ length: RING }, (_, k) => ({
    unit: -1,
    digest: '0000000000000000',
    note: `slot-${k}`,
    ok: true,
    w: k / RING,
  }));
}

/** Records unit `i` in the ring (in place: the value changes at every unit). */
export function record(ring, i, digest) {
  const slot = ring[i % RING];
  slot.unit = i;
  slot.digest = digest;
  slot.ok = (i & 1) === 0;
  slot.w = i / 1e6;
}
