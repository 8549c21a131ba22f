/** Starts real worker processes (test/fixtures/cluster-worker.ts) and follows their events. */
import type { ChildProcess } from 'node:child_process';
import { startFixture, type ChildResult } from './child.js';
import { sleep } from './backends.js';

export interface NodeEvent {
  event: string;
  node: string;
  jobId?: string;
  seq?: number;
  fromNode?: string;
  toNode?: string;
  at: number;
}

export interface TestNode {
  id: string;
  child: ChildProcess;
  done: Promise<ChildResult>;
}

export class TestCluster {
  readonly events: NodeEvent[] = [];
  readonly nodes = new Map<string, TestNode>();

  constructor(private readonly env: Record<string, string>) {}

  start(id: string, extraEnv: Record<string, string> = {}): TestNode {
    const { child, done } = startFixture('cluster-worker.ts', { ...this.env, NODE_ID: id, ...extraEnv });
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          this.events.push({ ...(JSON.parse(line) as NodeEvent), at: performance.now() });
        } catch {
          // not an event line
        }
      }
    });
    const node = { id, child, done };
    this.nodes.set(id, node);
    return node;
  }

  async waitFor(pred: (e: NodeEvent) => boolean, timeoutMs = 30_000, what = 'event'): Promise<NodeEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit !== undefined) return hit;
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.map((e) => [e.event, e.node, e.jobId, e.seq]))}`);
      await sleep(20);
    }
  }

  async startAll(ids: string[]): Promise<void> {
    for (const id of ids) this.start(id);
    for (const id of ids) await this.waitFor((e) => e.event === 'started' && e.node === id, 30_000, `${id} started`);
  }

  async stopAll(): Promise<void> {
    for (const n of this.nodes.values()) {
      if (n.child.exitCode === null && n.child.signalCode === null) {
        n.child.kill('SIGCONT');
        n.child.kill('SIGKILL');
      }
    }
    await Promise.all([...this.nodes.values()].map((n) => n.done));
  }
}
