/**
 * The heartbeat thread (a worker_thread with its own store connection), so a task that blocks
 * the main event loop does not make its node look dead. It also watches the main loop through
 * a shared tick: past `maxStallMs` without a tick it stops beating, so a truly hung node is
 * still declared dead and its jobs recovered.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/open-store.js';
import { retryStoreCall } from '../store/retry.js';

interface ThreadData {
  url: string;
  nodeId: string;
  intervalMs: number;
  maxStallMs: number;
  leaseMs: number;
  tick: SharedArrayBuffer;
}

const data = workerData as ThreadData;
const lastTick = new BigInt64Array(data.tick);
let nodeId = data.nodeId;
let stalledReported = false;
// A store that is briefly unreachable (restarting) is retried for one lease; past that the
// thread dies and the node stops, rather than run on without heartbeats.
const store = await retryStoreCall(() => openStore(data.url), { maxMs: data.leaseMs });

parentPort!.on('message', (msg: { type: 'node'; nodeId: string } | { type: 'stop' }) => {
  if (msg.type === 'node') nodeId = msg.nodeId;
  if (msg.type === 'stop') {
    clearInterval(timer);
    void store.close().finally(() => parentPort!.close());
  }
});

async function beat(): Promise<void> {
  const stalledMs = Date.now() - Number(Atomics.load(lastTick, 0));
  const sent = process.hrtime.bigint();
  if (stalledMs > data.maxStallMs) {
    if (!stalledReported) parentPort!.postMessage({ type: 'stalled', stalledMs });
    stalledReported = true;
    return;
  }
  stalledReported = false;
  try {
    const alive = await store.heartbeat(nodeId);
    // The lease is certainly ours until a timeout after this beat was sent (see heartbeat.ts).
    if (alive) Atomics.store(lastTick, 1, sent + BigInt(data.leaseMs) * 1_000_000n);
    parentPort!.postMessage(alive ? { type: 'beat', at: Date.now() } : { type: 'dead', nodeId });
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: (err as Error).message });
  }
}

let busy = false;
const timer = setInterval(() => {
  if (busy) return;
  busy = true;
  void beat().finally(() => (busy = false));
}, data.intervalMs);
void beat();
