/**
 * Keeps a node's heartbeat going: from a worker thread on stores shared between processes
 * (SQLite file, Postgres), or from the main thread for the in-process `memory:` store and for
 * Store instances (which cannot be handed to a thread). Either way it reports each beat, a
 * declared-dead node, and errors.
 */
import { fileURLToPath } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import type { Store } from '../store/store.js';

export interface HeartbeatEvents {
  onBeat(): void;
  onDead(nodeId: string): void;
  onError(message: string): void;
  onStalled(stalledMs: number): void;
  /** The heartbeat thread died: the node can no longer prove it is alive. */
  onFatal(error: Error): void;
}

export interface Heartbeat {
  setNode(nodeId: string): void;
  /**
   * True while the lease is surely still ours: less than `leaseMs` has passed since the last
   * successful beat was sent, so no detector can have declared this node dead yet.
   */
  leaseValid(): boolean;
  stop(): Promise<void>;
}

export interface HeartbeatOptions {
  store: Store;
  /** Store URL the thread opens itself; null beats on the main thread. */
  url: string | null;
  nodeId: string;
  intervalMs: number;
  maxStallMs: number;
  /** The heartbeat timeout: how long after a beat the lease is certainly still held, ms. */
  leaseMs: number;
  /** Let the process exit while beating (executeResumable scripts). @defaultValue false */
  unref?: boolean;
}

export function startHeartbeat(o: HeartbeatOptions, events: HeartbeatEvents): Heartbeat {
  return o.url === null ? mainThreadHeartbeat(o, events) : threadHeartbeat({ ...o, url: o.url }, events);
}

/**
 * Shared with the thread: [0] the main loop's last tick (Date.now ms), [1] the local lease
 * deadline (process.hrtime ns, one monotonic clock for all threads of the process).
 */
const TICK = 0;
const LEASE = 1;

/** The node just registered (its heartbeat_at is now): the lease holds for one timeout. */
function startLease(shared: BigInt64Array, leaseMs: number): void {
  Atomics.store(shared, LEASE, process.hrtime.bigint() + BigInt(leaseMs) * 1_000_000n);
}

function leaseCheck(shared: BigInt64Array): () => boolean {
  return () => process.hrtime.bigint() < Atomics.load(shared, LEASE);
}

function threadHeartbeat(o: HeartbeatOptions & { url: string }, events: HeartbeatEvents): Heartbeat {
  const tick = new SharedArrayBuffer(16);
  const lastTick = new BigInt64Array(tick);
  const touch = () => Atomics.store(lastTick, TICK, BigInt(Date.now()));
  touch();
  startLease(lastTick, o.leaseMs);
  const ticker = setInterval(touch, Math.max(10, Math.floor(o.intervalMs / 2)));
  ticker.unref();
  const workerData = { url: o.url, nodeId: o.nodeId, intervalMs: o.intervalMs, maxStallMs: o.maxStallMs, leaseMs: o.leaseMs, tick };
  const thread = fileURLToPath(import.meta.url).endsWith('.ts')
    ? // Running from source under tsx (the tests): worker threads do not inherit tsx's loader
      // on Node 20, so the thread registers it before importing the TypeScript entry.
      new Thread(
        `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./heartbeat-thread.ts', import.meta.url).href)}); })`,
        { eval: true, workerData },
      )
    : new Thread(new URL('./heartbeat-thread.js', import.meta.url), { workerData });
  thread.on('message', (m: { type: string; nodeId?: string; message?: string; stalledMs?: number }) => {
    if (m.type === 'beat') events.onBeat();
    else if (m.type === 'dead') events.onDead(m.nodeId!);
    else if (m.type === 'error') events.onError(m.message!);
    else if (m.type === 'stalled') events.onStalled(m.stalledMs!);
  });
  if (o.unref === true) thread.unref();
  let stopping = false;
  thread.on('error', (err) => events.onFatal(new Error(`heartbeat thread died: ${err.message}`)));
  const exited = new Promise<void>((resolve) =>
    thread.once('exit', (code) => {
      if (!stopping && code !== 0) events.onFatal(new Error(`heartbeat thread exited with code ${code}`));
      resolve();
    }),
  );
  return {
    setNode: (nodeId) => {
      startLease(lastTick, o.leaseMs);
      thread.postMessage({ type: 'node', nodeId });
    },
    leaseValid: leaseCheck(lastTick),
    async stop() {
      stopping = true;
      clearInterval(ticker);
      thread.postMessage({ type: 'stop' });
      const timeout = setTimeout(() => void thread.terminate(), 2000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

function mainThreadHeartbeat(o: HeartbeatOptions, events: HeartbeatEvents): Heartbeat {
  let nodeId = o.nodeId;
  let busy = false;
  const shared = new BigInt64Array(new SharedArrayBuffer(16));
  startLease(shared, o.leaseMs);
  const beat = async () => {
    const sent = process.hrtime.bigint();
    try {
      if (await o.store.heartbeat(nodeId)) {
        Atomics.store(shared, LEASE, sent + BigInt(o.leaseMs) * 1_000_000n);
        events.onBeat();
      }
      else events.onDead(nodeId);
    } catch (err) {
      events.onError((err as Error).message);
    }
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void beat().finally(() => (busy = false));
  }, o.intervalMs);
  if (o.unref === true) timer.unref();
  return {
    setNode: (id) => {
      startLease(shared, o.leaseMs);
      nodeId = id;
    },
    leaseValid: leaseCheck(shared),
    async stop() {
      clearInterval(timer);
    },
  };
}
