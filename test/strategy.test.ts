/** Each strategy's timing, driven by a fake clock. (The cost of the not-yet path is measured in bench/.) */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeCheckpointOptions } from '../src/checkpoint/options.js';
import { CheckpointPolicy, CheckpointStrategy } from '../src/checkpoint/strategy.js';

function policy(strategy: CheckpointStrategy, extra: Record<string, unknown> = {}) {
  let now = 0;
  const clock = () => now;
  const p = new CheckpointPolicy(normalizeCheckpointOptions({ strategy, ...extra, clock }), clock);
  return { p, advance: (ms: number) => (now += ms) };
}

test('TIME_BASED: due once checkpointIntervalMs has passed since the last checkpoint', () => {
  const { p, advance } = policy('time', { checkpointIntervalMs: 1000 });
  assert.equal(p.isDue(0), false);
  advance(999);
  assert.equal(p.isDue(0), false);
  advance(1);
  assert.equal(p.isDue(0), true);
  p.recordCheckpoint(0.1, 5);
  assert.equal(p.isDue(0.1), false);
  advance(1000);
  assert.equal(p.isDue(0.1), true);
});

test('PROGRESS_BASED: due when progress crosses a milestone not yet checkpointed', () => {
  const { p } = policy('progress', { milestones: [0.5, 0.25, 0.75] });
  assert.equal(p.isDue(0.2), false);
  assert.equal(p.isDue(0.25), true);
  p.recordCheckpoint(0.3, 1);
  assert.equal(p.isDue(0.3), false, 'the 0.25 milestone is taken');
  assert.equal(p.isDue(0.49), false);
  assert.equal(p.isDue(0.8), true, 'crossing two at once is one checkpoint');
  p.recordCheckpoint(0.8, 1);
  assert.equal(p.isDue(0.99), false, 'all milestones taken');
});

test('PROGRESS_BASED after a resume: milestones below the restored progress count as done', () => {
  const { p } = policy('progress');
  p.restore(0.6);
  assert.equal(p.isDue(0.7), false);
  assert.equal(p.isDue(0.75), true);
});

test('MANUAL and NONE are never due', () => {
  for (const s of ['manual', 'none'] as const) {
    const { p, advance } = policy(s);
    advance(1e9);
    assert.equal(p.isDue(1), false);
  }
});

test('AUTOMATIC: Young/Daly interval sqrt(2·C·M), clamped, within the overhead budget', () => {
  const { p, advance } = policy('automatic', { expectedMtbfMs: 3_600_000, minIntervalMs: 1000, maxIntervalMs: 300_000, maxOverhead: 0.01 });
  assert.equal(p.intervalMs(), 1000, 'starts at the minimum to measure the cost early');
  p.recordCheckpoint(0, 2); // C = 2 ms
  assert.equal(Math.round(p.intervalMs()), Math.round(Math.sqrt(2 * 2 * 3_600_000))); // ≈ 3795 ms
  advance(3000);
  assert.equal(p.isDue(0), false);
  advance(800);
  assert.equal(p.isDue(0), true);
  const slow = policy('automatic', { expectedMtbfMs: 1000, minIntervalMs: 10, maxIntervalMs: 1e9, maxOverhead: 0.01 });
  slow.p.recordCheckpoint(0, 50); // sqrt(2·50·1000) = 316 ms, but 50 ms per 316 ms is 16% > 1%
  assert.equal(slow.p.intervalMs(), 5000, 'never above the overhead budget: C / maxOverhead');
  const capped = policy('automatic', { expectedMtbfMs: 1e12, maxIntervalMs: 60_000 });
  capped.p.recordCheckpoint(0, 100);
  assert.equal(capped.p.intervalMs(), 60_000);
});

test('invalid options are refused with INVALID_OPTION', () => {
  assert.throws(() => normalizeCheckpointOptions({ strategy: 'sometimes' as never }), /INVALID_OPTION|strategy/);
  assert.throws(() => normalizeCheckpointOptions({ milestones: [1.5] }), (e: Error & { code?: string }) => e.code === 'INVALID_OPTION');
  assert.throws(() => normalizeCheckpointOptions({ keepCheckpoints: 0 }), (e: Error & { code?: string }) => e.code === 'INVALID_OPTION');
});
