/**
 * A real child process runs a multi-step job and is SIGKILLed (at a named crash point, and in
 * the middle of a step); running it again resumes: committed steps never run again, the rest
 * do, the result is right, and the checkpoints are gone once it completes.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../src/store/open-store.js';
import { sharedBackends, sleep } from './helpers/backends.js';
import { runFixture, startFixture } from './helpers/child.js';

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);
const count = (file: string, text: string) => lines(file).filter((l) => l.startsWith(text)).length;

for (const backend of sharedBackends()) {
  describe(`kill and resume: ${backend.name}`, () => {
    let url: string;
    let cleanup: () => Promise<void>;
    let dir: string;
    before(async () => {
      ({ url, cleanup } = await backend.create());
      dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'baton-kill-'));
    });
    after(() => cleanup());

    test('SIGKILL right after the second checkpoint commits: steps one and two never run again', async () => {
      const effects = join(dir, 'a.log');
      const env = { STORE: url, JOB_ID: 'kill-after-commit', SIDE_EFFECTS: effects };
      const crashed = await runFixture('steps-job.ts', { ...env, BATON_CRASH_AT: 'after-checkpoint-commit:2' });
      assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
      assert.deepEqual(lines(effects), ['one start 1', 'one done 1', 'two start 1', 'two done 1']);

      const resumed = await runFixture('steps-job.ts', env);
      assert.equal(resumed.code, 0, resumed.stderr);
      const result = JSON.parse(resumed.stdout);
      assert.deepEqual(result, { total: 14, attempt: 2, resumedFrom: 2 });
      for (const step of ['one', 'two', 'three', 'four']) assert.equal(count(effects, `${step} start`), 1, step);

      const store = await openStore(url);
      assert.equal((await store.getJob('kill-after-commit'))!.status, 'completed');
      assert.deepEqual(await store.listCheckpoints('kill-after-commit'), []);
      const types = (await store.listEvents('kill-after-commit')).map((e) => e.type);
      assert.ok(types.includes('takeover'), types.join());
      await store.close();

      const again = await runFixture('steps-job.ts', env);
      assert.deepEqual(JSON.parse(again.stdout), result, 'a completed job returns its stored result');
      assert.equal(count(effects, 'one start'), 1);
    });

    test('SIGKILL in the middle of a step: that step runs again, the committed ones do not', async () => {
      const effects = join(dir, 'b.log');
      const env = { STORE: url, JOB_ID: 'kill-mid-step', SIDE_EFFECTS: effects, STEP_MS: '400' };
      const { child, done } = startFixture('steps-job.ts', env);
      while (count(effects, 'three start') === 0) await sleep(20);
      child.kill('SIGKILL');
      assert.equal((await done).signal, 'SIGKILL');

      const resumed = await runFixture('steps-job.ts', { ...env, STEP_MS: '10' });
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.equal(JSON.parse(resumed.stdout).total, 14);
      assert.equal(count(effects, 'one start'), 1);
      assert.equal(count(effects, 'two start'), 1);
      assert.equal(count(effects, 'three start'), 2, 'the in-flight step runs again (at-least-once)');
      assert.equal(count(effects, 'three done'), 1);
      assert.equal(count(effects, 'four start'), 1);
    });
  });
}
