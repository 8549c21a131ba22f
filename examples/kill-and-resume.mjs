#!/usr/bin/env node
/**
 * Baton's core promise in about 15 seconds: a job that is SIGKILLed in the middle of its work
 * resumes from its latest checkpoint when it is simply run again, and the stages it completed
 * never run again.
 *
 *   npm run example            (builds, then runs this file against ../dist)
 *
 * The parent process (this file without arguments) makes a temporary SQLite store, starts this
 * same file as a child (`--child …`) that runs a five-stage pipeline job, streams the child's
 * lines, kills it with SIGKILL inside stage 3, starts a second child on the same store, and
 * checks what ran. Each stage does about 2 s of real CPU work (chained SHA-256) in 50 ms
 * slices and checkpoints inside the stage, so even the interrupted stage resumes part-way.
 *
 * Exit code 0: the second run completed and no completed stage ran again. Otherwise 1 (or 130
 * on Ctrl-C) with a one-line reason.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CheckpointManager,
  CheckpointStrategy,
  ResumableTaskExecutor,
  consoleLogger,
  openStore,
} from '../dist/index.js';

const STAGES = ['ingest', 'clean', 'features', 'train', 'evaluate'];
const SLICES = 40; // per stage
const SLICE_MS = 50; // target CPU time per slice: 40 × 50 ms ≈ 2 s per stage
const CHECKPOINT_INTERVAL_MS = 500;
const KILL_STAGE = 'features'; // stage 3
const KILL_DELAY_MS = 300; // after the first checkpoint inside stage 3, so some work is lost
const JOB_ID = 'pipeline';
const TIMEOUT_MS = 120_000;

/** `rounds` chained SHA-256 hashes: deterministic CPU work. */
function hashRounds(digest, rounds) {
  let d = digest;
  for (let i = 0; i < rounds; i++) d = createHash('sha256').update(d).digest();
  return d;
}

const pct = (p) => `${(p * 100).toFixed(1)}%`;

if (process.argv[2] === '--child') await child(process.argv.slice(3));
else await parent();

// ---------------------------------------------------------------------------------------------
// The child: an ordinary Baton program. Running it again after a crash is all it takes to resume.
// ---------------------------------------------------------------------------------------------
async function child([storeUrl, effectsFile, sliceHashes, nodeLabel]) {
  const say = (line) => process.stdout.write(`${line}\n`);
  const manager = new CheckpointManager({
    store: storeUrl,
    nodeId: nodeLabel,
    strategy: CheckpointStrategy.TIME_BASED,
    checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
    logger: consoleLogger('warn'), // Baton's own info lines off; warnings still reach stderr
  });
  const executor = new ResumableTaskExecutor(manager);
  const latestSeq = async (jobId) => (await manager.listCheckpoints(jobId))[0]?.seq;

  /** One stage: SLICES slices of work; its cursor lives in ctx state, so it resumes mid-stage. */
  async function runStage(ctx, index, name, previousDigest, rounds) {
    appendFileSync(effectsFile, `${name} start\n`); // the side effect the parent counts
    const key = `cursor:${name}`;
    const cursor = ctx.getState(key) ?? { slice: 0, digest: previousDigest };
    say(
      `stage ${index + 1}/${STAGES.length} ${name}: start at ${pct(ctx.progress)}` +
        (cursor.slice > 0 ? ` (resuming at slice ${cursor.slice}/${SLICES} from the checkpointed state)` : ''),
    );
    let digest = Buffer.from(cursor.digest, 'hex');
    for (let slice = cursor.slice; slice < SLICES; slice++) {
      digest = hashRounds(digest, rounds);
      ctx.setState(key, { slice: slice + 1, digest: digest.toString('hex') });
      ctx.updateProgress((index + (slice + 1) / SLICES) / STAGES.length);
      if (await ctx.checkpointIfNeeded()) {
        say(
          `checkpoint seq ${await latestSeq(ctx.jobId)} committed at ${pct(ctx.progress)} (inside ${name}, slice ${slice + 1}/${SLICES})`,
        );
      }
      await yieldToEventLoop(); // lets the heartbeat timer run between slices
    }
    appendFileSync(effectsFile, `${name} done\n`);
    return { digest: digest.toString('hex'), hashes: SLICES * rounds };
  }

  async function pipeline(ctx, input) {
    const from = ctx.resumedFrom;
    if (from !== null) {
      const done = from.completedSteps;
      say(
        `resumed from checkpoint seq ${from.seq} at ${pct(from.progress)}, ` +
          (done.length > 0 ? `stages ${done.join(', ')} already completed: skipping` : 'no stage completed yet'),
      );
    }
    let digest = createHash('sha256').update(input.dataset).digest('hex');
    let hashes = 0;
    for (const [index, name] of STAGES.entries()) {
      let ran = false;
      // A step whose checkpoint committed returns its saved result without running again.
      const out = await ctx.step(name, () => {
        ran = true;
        return runStage(ctx, index, name, digest, input.sliceHashes);
      });
      if (ran)
        say(
          `stage ${index + 1}/${STAGES.length} ${name}: done at ${pct(ctx.progress)}, checkpoint seq ${await latestSeq(ctx.jobId)}`,
        );
      digest = out.digest;
      hashes += out.hashes;
    }
    return { digest: digest.slice(0, 16), hashes, attempt: ctx.attempt };
  }

  try {
    const result = await executor.executeResumable({
      jobId: JOB_ID,
      taskName: 'pipeline',
      inputData: { dataset: 'demo-dataset', sliceHashes: Number(sliceHashes) },
      taskFunc: pipeline,
    });
    say(`result ${JSON.stringify(result)}`);
  } catch (err) {
    process.stderr.write(`error ${err?.code ?? ''} ${err?.message ?? err}\n`);
    process.exitCode = 1;
  } finally {
    await executor.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The parent: runs the child twice on one store, kills the first run, and checks the outcome.
// ---------------------------------------------------------------------------------------------
async function parent() {
  const dir = mkdtempSync(join(tmpdir(), 'baton-example-'));
  const storeUrl = `sqlite:${join(dir, 'baton.db')}`;
  const effectsFile = join(dir, 'side-effects.log');
  const self = fileURLToPath(import.meta.url);
  const t0 = performance.now();
  const elapsed = (t = performance.now()) => ((t - t0) / 1000).toFixed(2);
  const log = (line = '') => process.stdout.write(`${line}\n`);
  let current = null; // the running child, if any

  const cleanup = () => {
    if (current !== null && current.exitCode === null && current.signalCode === null) current.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      log(`\ninterrupted (${sig}): stopping the child and removing ${dir}`);
      process.exit(130);
    });
  }
  const fail = (reason) => {
    log(`FAILED: ${reason}`);
    process.exit(1);
  };
  const watchdog = setTimeout(() => fail(`the example took longer than ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);
  watchdog.unref();

  // How many hashes fill a 50 ms slice on this machine (both runs use the same number, so the
  // work, and the result, do not depend on when the crash happened).
  hashRounds(Buffer.alloc(32), 20_000); // warm up the JIT first
  let rounds = 0;
  const c0 = performance.now();
  while (performance.now() - c0 < 300) {
    hashRounds(Buffer.alloc(32), 1000);
    rounds += 1000;
  }
  const sliceHashes = Math.max(1000, Math.round((rounds * SLICE_MS) / (performance.now() - c0)));

  log('Baton example: kill a running job with SIGKILL, run it again, and it resumes');
  log(`  store  ${storeUrl}`);
  log(
    `  job    "${JOB_ID}": ${STAGES.join(' → ')}, ~${(SLICES * SLICE_MS) / 1000} s of CPU each (${sliceHashes} SHA-256 rounds per slice)`,
  );
  log(
    `  policy TIME_BASED, a checkpoint every ${CHECKPOINT_INTERVAL_MS} ms inside stages, plus one when each stage completes`,
  );

  /** Starts one run; calls onLine(text, time) for each stdout line; resolves with how it ended. */
  function run(label, onLine) {
    const proc = spawn(process.execPath, [self, '--child', storeUrl, effectsFile, String(sliceHashes), label], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    current = proc;
    log(`\n── ${label} (pid ${proc.pid}) `.padEnd(80, '─'));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const at = performance.now();
      log(`  ${elapsed(at).padStart(6)}s  ${line}`);
      onLine(line, at);
    });
    createInterface({ input: proc.stderr }).on('line', (line) => log(`  ${elapsed().padStart(6)}s  [stderr] ${line}`));
    // 'exit' fires once the process is reaped: only then can the next run see it is gone.
    return new Promise((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
    );
  }

  // Run 1: kill it once stage 3 runs and a checkpoint inside stage 3 has committed.
  const checkpointAt = new Map(); // seq -> when its line arrived
  let run1StartAt = null;
  let killAt = null;
  let killTimer = null;
  const first = await run('run 1', (line, at) => {
    if (run1StartAt === null && line.startsWith('stage 1/')) run1StartAt = at;
    const cp = /^checkpoint seq (\d+) committed at [\d.]+% \(inside (\w+)/.exec(line);
    if (cp === null) return;
    checkpointAt.set(Number(cp[1]), at);
    if (cp[2] === KILL_STAGE && killTimer === null) {
      const victim = current;
      killTimer = setTimeout(() => {
        killAt = performance.now();
        victim.kill('SIGKILL');
        log(
          `  ${elapsed(killAt).padStart(6)}s  ✖✖✖ SIGKILL sent to pid ${victim.pid}: no shutdown hook, no final checkpoint ✖✖✖`,
        );
      }, KILL_DELAY_MS);
    }
  });
  clearTimeout(killTimer);
  if (killAt === null)
    fail(`run 1 ended (${first.signal ?? `exit code ${first.code}`}) before it could be killed inside stage 3`);
  if (first.signal !== 'SIGKILL')
    fail(`run 1 was not killed by SIGKILL (ended with ${first.signal ?? `exit code ${first.code}`})`);

  // Run 2: the same program on the same store. Nothing else.
  let resumed = null;
  let result = null;
  const second = await run('run 2, same command, same store', (line) => {
    const r = /^resumed from checkpoint seq (\d+) at ([\d.]+)%/.exec(line);
    if (r !== null) resumed = { seq: Number(r[1]), progress: `${r[2]}%` };
    if (line.startsWith('result ')) result = JSON.parse(line.slice('result '.length));
  });
  if (second.code !== 0 || result === null)
    fail(`run 2 did not complete (${second.signal ?? `exit code ${second.code}`})`);
  if (resumed === null) fail('run 2 did not report a checkpoint to resume from: it started again from zero');

  // What ran, from the side-effect file each stage appends to.
  const effects = existsSync(effectsFile) ? readFileSync(effectsFile, 'utf8').trim().split('\n') : [];
  const starts = (stage) => effects.filter((l) => l === `${stage} start`).length;
  const dones = (stage) => effects.filter((l) => l === `${stage} done`).length;
  const killedAt = STAGES.indexOf(KILL_STAGE);
  for (const [i, stage] of STAGES.entries()) {
    const expected = i === killedAt ? 2 : 1; // the in-flight stage runs again: at-least-once
    if (starts(stage) !== expected) fail(`stage ${stage} started ${starts(stage)} times, expected ${expected}`);
    if (dones(stage) !== 1) fail(`stage ${stage} completed ${dones(stage)} times, expected once`);
  }

  // What the store recorded.
  const store = await openStore(storeUrl);
  const job = await store.getJob(JOB_ID);
  const events = (await store.listEvents(JOB_ID)).map((e) => e.type);
  const leftover = (await store.listCheckpoints(JOB_ID)).length;
  await store.close();
  if (job?.status !== 'completed') fail(`the job is ${job?.status ?? 'missing'} in the store, expected completed`);

  // The numbers: lost = work between the checkpoint run 2 resumed from and the kill.
  const resumedAt = checkpointAt.get(resumed.seq); // undefined: it committed but its line never arrived
  const lostMs = resumedAt === undefined ? 0 : killAt - resumedAt;
  const savedMs = (resumedAt ?? killAt) - (run1StartAt ?? t0);
  const totalMs = second.at - t0;
  log('\n── summary '.padEnd(80, '─'));
  log(
    `  result         digest ${result.digest} after ${result.hashes.toLocaleString('en-US')} hashes (attempt ${result.attempt})`,
  );
  log(`  total time     ${(totalMs / 1000).toFixed(1)} s for both runs, process starts included`);
  log(
    `  lost to crash  ${(lostMs / 1000).toFixed(2)} s: the work between checkpoint seq ${resumed.seq} and the kill, done again in run 2`,
  );
  log(
    `  work saved     ${(savedMs / 1000).toFixed(1)} s: everything up to checkpoint seq ${resumed.seq} (${resumed.progress}), which a restart from zero would redo`,
  );
  log(
    `  stages run     ${STAGES.map((s) => `${s} ${starts(s)}×`).join(', ')} (${KILL_STAGE} was in flight: it ran again from its checkpointed slice)`,
  );
  log(
    `  store          job ${job.status}, attempt ${job.attempt}, lease epoch ${job.epoch}, takeover ${events.includes('takeover') ? 'recorded' : 'not recorded'}, ${leftover} checkpoints left (deleted on success)`,
  );
  log('\nOK: the job survived SIGKILL and no completed stage ran twice.');
}
