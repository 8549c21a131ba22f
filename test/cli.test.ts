/**
 * The `baton` command as a user runs it: the built binary in a child process, its output and
 * exit codes. Includes a shortened `baton demo`, which must show the completed stages skipped.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const TASKS = fileURLToPath(new URL('./fixtures/cli-tasks.mjs', import.meta.url));

function baton(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, BATON_LOG_LEVEL: 'warn', ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('baton demo: a node is killed, another takes over and skips the completed stages', () => {
  const r = baton(['demo', '--stage-ms', '500']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SIGKILL node-\d at 4\d%/);
  assert.match(r.stdout, /detected that node-\d is dead/);
  assert.match(r.stdout, /resuming from checkpoint at 40%, stages 1–2 \(ingest, clean\) already completed: skipping/);
  assert.match(r.stdout, /work saved/);
  assert.match(r.stdout, /OK: the job survived/);
});

describe('commands over a store', () => {
  let store: string;
  before(() => {
    store = `sqlite:${join(mkdtempSync(join(tmpdir(), 'baton-cli-')), 'cli.db')}`;
  });

  test('migrate, submit, list (a task no node serves), inspect, cancel, retry, gc', () => {
    assert.equal(baton(['--store', store, 'migrate']).code, 0);
    const sub = baton(['--store', store, '--json', 'submit', 'nobody-serves', '--input', '{"x":1}', '--job-id', 'j-1']);
    assert.equal(sub.code, 0, sub.stderr);
    assert.deepEqual(JSON.parse(sub.stdout), { jobId: 'j-1', created: true });
    const list = baton(['--store', store, 'jobs', 'list']);
    assert.match(list.stdout, /j-1\s+nobody-serves\s+queued\*/);
    assert.match(list.stdout, /no live node serves: nobody-serves/);
    const json = JSON.parse(baton(['--store', store, '--json', 'jobs', 'list', '--status', 'queued']).stdout);
    assert.equal(json[0].input.x, 1);
    assert.match(baton(['--store', store, 'jobs', 'cancel', 'j-1']).stdout, /j-1 is cancelled/);
    assert.match(baton(['--store', store, 'jobs', 'retry', 'j-1']).stdout, /j-1 is queued/);
    const inspect = baton(['--store', store, 'jobs', 'inspect', 'j-1']);
    assert.match(inspect.stdout, /status\s+queued/);
    assert.match(inspect.stdout, /cancelled/);
    assert.match(inspect.stdout, /retry requested/);
    assert.equal(baton(['--store', store, 'jobs', 'cancel', 'j-1']).code, 0);
    assert.match(baton(['--store', store, 'gc', '--older-than', '0s']).stdout, /deleted 1 finished job/);
    const missing = baton(['--store', store, 'jobs', 'inspect', 'j-1']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^baton: no job "j-1"/);
  });

  describe('with a worker running', () => {
    let worker: ReturnType<typeof spawn>;
    before(async () => {
      worker = spawn(process.execPath, [BIN, '--store', store, 'worker', '--tasks', TASKS, '--node-id', 'cli-node', '--heartbeat-interval', '200', '--heartbeat-timeout', '2000'], { stdio: ['ignore', 'pipe', 'pipe'] });
      await new Promise<void>((resolve) => worker.stdout!.on('data', (d: Buffer) => d.toString().includes('started') && resolve()));
    });
    after(async () => {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.on('exit', r));
    });

    test('submit --wait returns the result; nodes shows the worker', () => {
      const r = baton(['--store', store, 'submit', 'add', '--input', '{"a":2,"b":3}', '--wait']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /completed .*"sum": 5/s);
      const nodes = baton(['--store', store, 'nodes']);
      assert.match(nodes.stdout, /cli-node\s+alive/);
      const watch = baton(['--store', store, 'watch', JSON.parse(baton(['--store', store, '--json', 'jobs', 'list', '--task', 'add']).stdout)[0].id]);
      assert.equal(watch.code, 0);
      assert.match(watch.stdout, /completed/);
    });

    test('a failed job keeps its checkpoints; --decode prints the state readably', () => {
      const r = baton(['--store', store, 'submit', 'half-then-fail', '--job-id', 'hf', '--wait']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /failed hf: diverged/);
      assert.match(baton(['--store', store, 'checkpoints', 'hf']).stdout, /^SEQ\s+PROGRESS.*\n1\s+50%/);
      const decoded = JSON.parse(baton(['--store', store, 'checkpoints', 'hf', '--decode']).stdout);
      assert.deepEqual(decoded.state.model.weights, [0.5, 0.25]);
      assert.deepEqual(decoded.state.model.when, { $date: '1970-01-01T00:00:00.000Z' });
    });
  });
});

test('a TypeScript task module loads through tsx', async () => {
  const store = `sqlite:${join(mkdtempSync(join(tmpdir(), 'baton-cli-ts-')), 'ts.db')}`;
  const ts = fileURLToPath(new URL('./fixtures/cli-tasks.ts', import.meta.url));
  const worker = spawn(process.execPath, [BIN, '--store', store, 'worker', '--tasks', ts, '--node-id', 'ts-node'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve) => worker.stdout!.on('data', (d: Buffer) => d.toString().includes('started') && resolve()));
    const r = baton(['--store', store, 'submit', 'greet', '--input', '{"who":"ts"}', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"hello ts"/);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.on('exit', r));
  }
});

test('errors are one line and a non-zero exit', () => {
  const unknown = baton(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);
  assert.equal(baton(['jobs', 'list', '--bogus']).code, 2);
  const badJson = baton(['--store', 'memory:', 'submit', 't', '--input', '{nope']);
  assert.equal(badJson.code, 1);
  assert.match(badJson.stderr, /^baton: the input is not valid JSON/);
  const down = baton(['--store', 'postgres://baton:s3cret@127.0.0.1:1/db', 'nodes']);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /STORE_UNAVAILABLE/);
  assert.doesNotMatch(down.stderr, /s3cret/);
  assert.equal(down.stderr.trim().split('\n').length, 1);
  assert.equal(baton(['gc', '--older-than', 'soon']).code, 1);
  assert.equal(baton(['--help']).code, 0);
  assert.match(baton(['jobs', '--help']).stdout, /inspect/);
});
