/**
 * Named places where a test can make this process die, to prove what survives a crash at
 * exactly that point (DBOS calls them debug points). `BATON_CRASH_AT=name` kills the process
 * with SIGKILL the first time it passes `name`; `name:N` on the N-th pass. Read once at load,
 * so a disabled crash point costs one comparison.
 */
export const CrashPoint = {
  /** Large chunks were written ahead, the manifest is not committed yet. */
  MID_CHECKPOINT: 'mid-checkpoint',
  /** A checkpoint committed; the task has not continued. */
  AFTER_CHECKPOINT_COMMIT: 'after-checkpoint-commit',
  /** The task returned; its completion is not recorded yet. */
  BEFORE_COMPLETE: 'before-complete',
  /** A job was claimed; nothing of it ran yet. */
  AFTER_CLAIM: 'after-claim',
} as const;
export type CrashPoint = (typeof CrashPoint)[keyof typeof CrashPoint];

const spec = process.env.BATON_CRASH_AT ?? '';
const [armedName, armedCount] = spec.split(':');
let remaining = armedCount === undefined ? 1 : Number(armedCount);

export function crashPoint(name: CrashPoint): void {
  if (armedName !== name) return;
  if (--remaining > 0) return;
  process.kill(process.pid, 'SIGKILL');
}
