/**
 * Reading a checkpoint never runs code: `__proto__` and `constructor` payloads cannot pollute
 * prototypes (in the codec, the manifest, job inputs and resumed state), decoded values have no
 * accessors, and no setter or getter of the environment is triggered. Database credentials
 * never appear in errors, logs or events: against an unreachable port, a wrong password, and a
 * live embedded server that is stopped and started under a running Worker.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { checkpointChecksum } from '../src/checkpoint/manifest.js';
import { decodeValue, encodeValue, hashBytes, Tag } from '../src/checkpoint/codec/index.js';
import {
  CheckpointManager,
  Client,
  defineTask,
  openStore,
  ResumableTaskExecutor,
  silentLogger,
  Worker,
  type Logger,
} from '../src/index.js';
import { backends, sleep } from './helpers/backends.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './helpers/postgres.js';

const polluted = () =>
  (({}) as Record<string, unknown>).polluted !== undefined ||
  ([] as unknown as Record<string, unknown>).polluted !== undefined;
const str = (s: string) => [...Buffer.from([s.length]), ...Buffer.from(s)];
const OBJ = (entries: number[][]) => [Tag.OBJECT, entries.length, ...entries.flat()];
const payload = (...body: number[]) => Buffer.from([0x42, 0x54, 0x4e, 1, ...body]);
/** `{ polluted: true }` */
const POLLUTER = OBJ([[...str('polluted'), Tag.TRUE]]);

/** Every property in the value is plain data: no getters or setters anywhere. */
function assertNoAccessors(v: unknown, seen = new Set<object>()): void {
  if (typeof v !== 'object' || v === null || seen.has(v)) return;
  seen.add(v);
  for (const key of Reflect.ownKeys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, key)!;
    assert.ok(!('get' in d) && !('set' in d), `accessor at ${String(key)}`);
    assertNoAccessors(d.value, seen);
  }
  if (v instanceof Map) {
    for (const [k, x] of v) {
      assertNoAccessors(k, seen);
      assertNoAccessors(x, seen);
    }
  }
  if (v instanceof Set) for (const x of v) assertNoAccessors(x, seen);
}

describe('reading a checkpoint runs no code', () => {
  test('__proto__, constructor and prototype payloads stay own data; no prototype is polluted', () => {
    const cases = [
      payload(...OBJ([[...str('__proto__'), ...POLLUTER]])),
      payload(...OBJ([[...str('constructor'), ...OBJ([[...str('prototype'), ...POLLUTER]])]])),
      payload(Tag.NULL_OBJECT, 1, ...str('__proto__'), ...POLLUTER),
      payload(
        Tag.ARRAY,
        1,
        ...OBJ([
          [...str('__proto__'), ...POLLUTER],
          [...str('toString'), Tag.STRING, ...str('x')],
          [...str('hasOwnProperty'), Tag.NULL],
          [...str('valueOf'), Tag.NULL],
          [...str('__defineGetter__'), Tag.NULL],
        ]),
      ),
      payload(Tag.MAP, 1, Tag.STRING, ...str('__proto__'), ...POLLUTER),
    ];
    for (const bytes of cases) {
      const value = decodeValue(bytes);
      assert.equal(polluted(), false, `polluted by ${bytes.toString('hex')}`);
      assertNoAccessors(value);
      JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? [...v] : v));
      String(inspect(value));
    }
    const first = decodeValue(cases[0]) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(first), Object.prototype, 'the payload did not become the prototype');
    assert.deepEqual(Object.getOwnPropertyDescriptor(first, '__proto__')?.value, { polluted: true });
    const ctor = decodeValue(cases[1]) as Record<string, unknown>;
    assert.equal(Object.getOwnPropertyDescriptor(ctor, 'constructor')?.enumerable, true);
    const methods = (decodeValue(cases[3]) as Array<Record<string, unknown>>)[0];
    assert.equal(methods.toString, 'x', 'a key named toString is data, not a method');
  });

  test('setters and getters planted on Object.prototype are never triggered by a decode', () => {
    let triggered = 0;
    for (const key of ['trap', 'then', 'toJSON']) {
      Object.defineProperty(Object.prototype, key, {
        configurable: true,
        get: () => (triggered++, undefined),
        set: () => void triggered++,
      });
    }
    try {
      const value = decodeValue(
        payload(
          ...OBJ([
            [...str('trap'), Tag.TRUE],
            [...str('then'), Tag.STRING, ...str('not a function')],
            [...str('toJSON'), Tag.NULL],
          ]),
        ),
      ) as Record<string, unknown>;
      assert.equal(triggered, 0, 'a setter on Object.prototype ran while decoding');
      assert.deepEqual(Object.getOwnPropertyDescriptor(value, 'trap')?.value, true);
    } finally {
      for (const key of ['trap', 'then', 'toJSON']) delete (Object.prototype as Record<string, unknown>)[key];
    }
  });

  test('a value with getters is saved as data: the restored checkpoint has no accessors', () => {
    let calls = 0;
    const withGetter = {
      get lazy() {
        return ++calls;
      },
      plain: 1,
    };
    const decoded = decodeValue(encodeValue(withGetter)) as Record<string, unknown>;
    assert.equal(calls, 1, 'read once, at save time');
    assert.deepEqual(decoded, { lazy: 1, plain: 1 });
    assertNoAccessors(decoded);
    assert.equal(calls, 1, 'reading the restored value ran nothing');
  });

  for (const backend of backends(['sqlite', 'postgres'])) {
    test(`${backend.name}: hostile keys in state, step results, job input and a forged manifest: restored as data, nothing polluted`, async () => {
      const { url, cleanup } = await backend.create();
      const store = await openStore(url);
      const manager = new CheckpointManager({ store, strategy: 'manual', logger: silentLogger });
      const executor = new ResumableTaskExecutor(manager);
      const evil = JSON.parse(
        '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "then": "data"}',
      ) as Record<string, unknown>;
      await assert.rejects(
        executor.executeResumable({
          jobId: 'evil',
          inputData: evil,
          taskFunc: async (ctx) => {
            ctx.setState('__proto__', evil);
            ctx.setState('constructor', evil);
            await ctx.step('__proto__', () => evil);
            await ctx.checkpoint();
            throw new Error('crash');
          },
        }),
        /crash/,
      );
      assert.equal(polluted(), false);
      const resumed = await executor.executeResumable({
        jobId: 'evil',
        rerun: true,
        taskFunc: async (ctx, input: Record<string, unknown>) => {
          const step = await ctx.step('__proto__', () => 'ran again');
          return {
            proto: ctx.getState('__proto__'),
            ctor: ctx.getState('constructor'),
            step,
            input,
            inputProto: Object.getPrototypeOf(input) === Object.prototype,
          };
        },
      });
      assert.equal(polluted(), false);
      assert.deepEqual(Object.getOwnPropertyDescriptor(resumed.proto, '__proto__')?.value, { polluted: true });
      assert.notEqual(resumed.step, 'ran again', 'the saved step result came back (a thenable-looking object is data)');
      assert.equal(resumed.inputProto, true);
      assertNoAccessors(resumed);
      const info = await new Client({ store }).getJob('evil');
      assert.equal(polluted(), false, 'Client.getJob decoding input and result');
      assertNoAccessors(info?.input);

      // A forged checkpoint whose manifest's state has a "__proto__" key (checksum recomputed).
      const forgedManager = new CheckpointManager({ store, strategy: 'manual', logger: silentLogger });
      const forgedExec = new ResumableTaskExecutor(forgedManager);
      await assert.rejects(
        forgedExec.executeResumable({
          jobId: 'forged-proto',
          taskFunc: async (ctx) => (ctx.setState('a', 1), await ctx.checkpoint(), Promise.reject(new Error('crash'))),
        }),
        /crash/,
      );
      const [row] = await store.getCheckpoints('forged-proto', 1);
      const bytes = encodeValue({ polluted: true });
      const h = hashBytes(bytes);
      await store.putChunks('forged-proto', [[h, bytes]]);
      const manifest = JSON.parse(row.manifest) as { state: Record<string, unknown> };
      const text = JSON.stringify(manifest).replace(
        '"state":{',
        `"state":{"__proto__":{"c":["${h}"],"n":${bytes.length}},`,
      );
      const checksum = checkpointChecksum({ ...row, manifest: text });
      const inner = (
        store as unknown as {
          db: {
            prepare?(s: string): { run(...a: unknown[]): unknown };
            query?(s: string, v: unknown[]): Promise<unknown>;
          };
        }
      ).db;
      if (inner.prepare)
        inner
          .prepare('UPDATE baton_checkpoints SET manifest = ?, checksum = ? WHERE job_id = ? AND seq = ?')
          .run(text, checksum, 'forged-proto', row.seq);
      else
        await inner.query!('UPDATE baton_checkpoints SET manifest = $1, checksum = $2 WHERE job_id = $3 AND seq = $4', [
          text,
          checksum,
          'forged-proto',
          row.seq,
        ]);
      const latest = await forgedManager.getLatestCheckpoint('forged-proto');
      assert.equal(latest?.seq, row.seq, 'the forged checkpoint verifies (its checksum was recomputed)');
      assert.equal(polluted(), false);
      assert.equal(Object.getPrototypeOf(latest.state), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyDescriptor(latest.state, '__proto__')?.value, { polluted: true });
      await forgedExec.close();
      await executor.close();
      await store.close();
      await cleanup();
    });
  }
});

/** A logger that keeps every line, at every level. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (m: string, meta?: Record<string, unknown>) =>
    void lines.push(`${level} ${m} ${meta === undefined ? '' : inspect(meta, { depth: 10 })}`);
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

function assertNoSecret(secret: string, what: string, ...things: unknown[]): void {
  for (const thing of things) {
    const text =
      typeof thing === 'string'
        ? thing
        : `${inspect(thing, { depth: 12, showHidden: true })} ${JSON.stringify(thing) ?? ''} ${String((thing as Error)?.stack ?? '')}`;
    assert.ok(!text.includes(secret), `${what}: the password appears in ${text.slice(0, 300)}`);
    assert.ok(!text.includes(encodeURIComponent(secret)), `${what}: the encoded password appears`);
  }
}

describe('database credentials never appear in errors, logs or events', () => {
  const secret = 'S3cr3t-pw_7f1d';

  test('an unreachable server: Worker, Client and executeResumable fail without the password', async () => {
    for (const url of [
      `postgres://baton:${secret}@127.0.0.1:1/jobs`,
      `postgresql://baton@127.0.0.1:1/jobs?password=${secret}`,
    ]) {
      const logger = recordingLogger();
      const task = defineTask({ name: 't', run: () => 1 });
      const worker = new Worker({ store: url, tasks: [task], logger });
      const workerErr = await worker.start().then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(workerErr !== null, 'the Worker did not start');
      const client = new Client({ store: url });
      const clientErr = await client.submit('t', 1).then(
        () => null,
        (e: unknown) => e,
      );
      const getErr = await client.getJob('x').then(
        () => null,
        (e: unknown) => e,
      );
      const executor = new ResumableTaskExecutor(new CheckpointManager({ store: url, logger }));
      const execErr = await executor.executeResumable({ jobId: 'j', taskFunc: () => 1 }).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(clientErr && getErr && execErr);
      assertNoSecret(
        secret,
        url.includes('?') ? 'query-string password' : 'userinfo password',
        workerErr,
        clientErr,
        getErr,
        execErr,
        ...logger.lines,
      );
      await client.close().catch(() => undefined);
      await executor.close().catch(() => undefined);
    }
  });

  describe('a live embedded server', { skip: backends(['postgres']).length === 0 }, () => {
    let server: EmbeddedServer;
    let password: string;
    before(async () => {
      server = await startEmbeddedPostgres();
      password = decodeURIComponent(new URL(server.url).password);
    });
    after(async () => {
      await server.stop().catch(() => undefined);
    });

    test('a wrong password: refused without either password in the error', async () => {
      const wrong = new URL(server.url);
      wrong.password = secret;
      const client = new Client({ store: wrong.toString() });
      const err = await client.submit('t', 1).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err !== null && /password|authentication/i.test((err as Error).message), String(err));
      assertNoSecret(secret, 'wrong password', err);
      assertNoSecret(password, 'real password', err);
      await client.close().catch(() => undefined);
    });

    test('a Worker through jobs, failures and a server restart: no password in logs, errors, events, rows', async () => {
      const logger = recordingLogger();
      const failing = defineTask({
        name: 'fails',
        maxAttempts: 1,
        run: async () => Promise.reject(new Error('task error')),
      });
      const slow = defineTask({
        name: 'slow',
        run: async (ctx) => {
          for (let i = 0; i < 20; i++) await ctx.step(`s${i}`, () => sleep(100));
          return 'done';
        },
      });
      const worker = new Worker({
        store: server.url,
        tasks: [failing, slow],
        logger,
        heartbeatIntervalMs: 100,
        heartbeatTimeoutMs: 2000,
      });
      await worker.start();
      const client = new Client({ store: server.url });
      try {
        await client.submit('fails', null, { jobId: 'f' });
        await client.submit('slow', null, { jobId: 's' });
        await client.waitForJob('f', { timeoutMs: 20_000 });
        await sleep(300);
        await server.stop(); // every connection breaks: heartbeats, claims and checkpoints fail and are logged
        await sleep(1500);
        await server.start();
        const done = await client.waitForJob('s', { timeoutMs: 60_000 });
        assert.equal(done.status, 'completed');
        const store = await client.store();
        const rows = [
          await store.getJob('f'),
          await store.getJob('s'),
          ...(await store.listNodes()),
          ...(await store.listEvents('f')),
          ...(await store.listEvents('s')),
        ];
        assert.ok(
          logger.lines.some((l) => /fail|unavailable/i.test(l)),
          'the outage was logged',
        );
        assertNoSecret(password, 'live server', store.url, ...logger.lines, ...rows);
      } finally {
        await worker.stop();
        await client.close();
      }
    });
  });
});
