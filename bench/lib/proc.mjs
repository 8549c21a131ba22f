/**
 * Real child processes for the multi-process benchmarks. A child prints one JSON line per
 * event (`emit`), stamped with a wall clock of sub-millisecond resolution (`nowWall`), which
 * is comparable across processes of one machine; the parent follows the lines, waits on them
 * and sends real signals.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** Wall-clock ms with sub-ms resolution, comparable between processes on one machine. */
export const nowWall = () => performance.timeOrigin + performance.now();

/** In a child: print one event line. */
export function emit(event, data = {}) {
  process.stdout.write(`${JSON.stringify({ event, t: nowWall(), ...data })}\n`);
}

export class Child {
  /** Runs `node <script> ...args` with `env` added to this process's environment. */
  constructor(script, { args = [], env = {}, name = script } = {}) {
    this.name = name;
    this.events = [];
    this.stderr = '';
    this.waiters = new Set();
    this.startedAt = nowWall();
    this.proc = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, BATON_LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = this.proc.pid;
    let buffered = '';
    this.proc.stdout.on('data', (d) => {
      buffered += d.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let ev;
        try {
          ev = JSON.parse(line);
        } catch {
          continue; // not an event line
        }
        ev.receivedAt = nowWall();
        this.events.push(ev);
        for (const w of this.waiters) w(ev);
      }
    });
    this.proc.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d.toString()).slice(-8000);
    });
    this.exited = new Promise((resolve) =>
      this.proc.on('exit', (code, signal) => {
        this.exitedAt = nowWall();
        resolve({ code, signal });
        for (const w of this.waiters) w(null);
      }),
    );
  }

  get alive() {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The first event (already seen or to come) matching `pred`; rejects on timeout or exit. */
  waitFor(pred, timeoutMs = 60_000, what = 'event') {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          done(
            new Error(
              `${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${this.stderr.slice(-1500)}`,
            ),
          ),
        timeoutMs,
      );
      const done = (err, ev) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (err) reject(err);
        else resolve(ev);
      };
      const waiter = (ev) => {
        if (ev === null)
          done(
            new Error(
              `${this.name} exited (code ${this.proc.exitCode}, signal ${this.proc.signalCode}) while waiting for ${what}; stderr: ${this.stderr.slice(-1500)}`,
            ),
          );
        else if (pred(ev)) done(null, ev);
      };
      this.waiters.add(waiter);
    });
  }

  /** Sends a real signal; returns the wall time it was sent. */
  kill(signal = 'SIGKILL') {
    const at = nowWall();
    this.proc.kill(signal);
    return at;
  }

  /** Kills the child if it still runs, and waits for its exit. */
  async stop() {
    if (this.alive) {
      this.proc.kill('SIGCONT');
      this.proc.kill('SIGKILL');
    }
    return this.exited;
  }
}

/** Runs a child to its end and returns its last `result` event (rejects on a failure). */
export async function runChild(script, opts = {}, timeoutMs = 600_000) {
  const child = new Child(script, opts);
  const timer = setTimeout(() => void child.stop(), timeoutMs);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  const result = [...child.events].reverse().find((e) => e.event === 'result');
  if (code !== 0 || result === undefined) {
    throw new Error(`${child.name} failed (code ${code}, signal ${signal}): ${child.stderr.slice(-3000)}`);
  }
  return result;
}
