/** The detector's self-trust: it declares others dead only after a gap-free timeout of its own beats. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecoveryManager, openStore, silentLogger } from '../src/index.js';

test('trust needs a full timeout of beats without a gap, and is lost on distrust', async () => {
  const store = await openStore('memory:');
  const rm = new RecoveryManager({ store, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1000, backupGraceMs: 0, logger: silentLogger });
  const t0 = performance.now();
  assert.equal(rm.trusted, false, 'no beat yet');
  rm.recordOwnBeat(t0 - 1500);
  for (let at = t0 - 1400; at <= t0; at += 200) rm.recordOwnBeat(at);
  assert.equal(rm.trusted, true, 'beats every 200 ms for 1.5 s');
  rm.distrust();
  assert.equal(rm.trusted, false, 'after being declared dead');
  rm.recordOwnBeat();
  assert.equal(rm.trusted, false, 'one beat is not a timeout of beats');
  const gap = new RecoveryManager({ store, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1000, backupGraceMs: 0, logger: silentLogger });
  gap.recordOwnBeat(t0 - 5000);
  gap.recordOwnBeat(t0 - 100); // a 4.9 s silence (a store outage) restarts the count
  assert.equal(gap.trusted, false);
  assert.deepEqual(await gap.runOnce(), { dead: [], requeued: [] }, 'an untrusted detector does nothing');
  await store.close();
});
