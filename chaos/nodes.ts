/**
 * The worker processes of a chaos run (test/fixtures/chaos-worker.ts), started with the test
 * suite's startFixture. Follows their event lines (stamped with the harness's monotonic clock),
 * knows which are running, paused or gone, and records every death the harness caused so
 * takeover latency can be measured from it.
 */
import type { ChildProcess } from 'node:child_process';
import { startFixture, type ChildResult } from '../test/helpers/child.js';

export interface NodeEvent {
  event: string;
  node: string;
  jobId?: string;
  epoch?: number;
  seq?: number | null;
  fromNode?: string | null;
  step?: string;
  error?: string;
  willRetry?: boolean;
  /** performance.now() of the harness when the line arrived. */
  at: number;
}

export type DeathKind = 'kill' | 'crash-point' | 'zombie' | 'term';

export interface ChaosNode {
  label: string;
  child: ChildProcess;
  done: Promise<ChildResult>;
  state: 'starting' | 'running' | 'paused' | 'exited';
  crashAt: string | null;
  /** The signal the harness sent to end it, if any. */
  endedBy: NodeJS.Signals | null;
  exit: ChildResult | null;
}

export interface Death {
  label: string;
  kind: DeathKind;
  at: number;
}

export class NodePool {
  readonly events: NodeEvent[] = [];
  readonly nodes = new Map<string, ChaosNode>();
  readonly deaths: Death[] = [];
  /** Nodes that could not start because the store was unavailable (exit code 75). */
  startFailures = 0;
  /** Nodes that stopped themselves because they could no longer heartbeat (exit code 76). */
  fatalStops = 0;
  /** Exits nobody asked for (no signal from the harness, no crash point): a crashed node. */
  readonly unexpectedExits: Array<{ label: string; result: ChildResult }> = [];
  private counter = 0;

  constructor(
    private readonly env: Record<string, string>,
    private readonly onExit: (node: ChaosNode) => void = () => {},
  ) {}

  start(crashAt: string | null = null): ChaosNode {
    const label = `n${++this.counter}`;
    const { child, done } = startFixture('chaos-worker.ts', {
      ...this.env,
      NODE_ID: label,
      BATON_CRASH_AT: crashAt ?? '',
    });
    const node: ChaosNode = { label, child, done, state: 'starting', crashAt, endedBy: null, exit: null };
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let e: NodeEvent;
        try {
          e = { ...(JSON.parse(line) as NodeEvent), at: performance.now() };
        } catch {
          continue; // not an event line
        }
        if (e.event === 'started' && node.state === 'starting') node.state = 'running';
        this.events.push(e);
      }
    });
    void done.then((result) => {
      node.state = 'exited';
      node.exit = result;
      if (node.endedBy === null) {
        if (result.code === 75) this.startFailures++;
        else if (result.code === 76) this.fatalStops++;
        else if (node.crashAt !== null && result.signal === 'SIGKILL')
          this.deaths.push({ label, kind: 'crash-point', at: performance.now() });
        else this.unexpectedExits.push({ label, result });
      }
      this.onExit(node);
    });
    this.nodes.set(label, node);
    return node;
  }

  /** Nodes running and not paused. */
  active(): ChaosNode[] {
    return [...this.nodes.values()].filter((n) => n.state === 'running');
  }

  /** Processes not yet exited (running, paused or starting). */
  alive(): ChaosNode[] {
    return [...this.nodes.values()].filter((n) => n.state !== 'exited');
  }

  /** Running jobs per node, from its events (claimed, not yet completed, failed or lost). */
  runningJobs(label: string): Set<string> {
    const jobs = new Set<string>();
    for (const e of this.events) {
      if (e.node !== label || e.jobId === undefined) continue;
      if (e.event === 'job:claimed') jobs.add(e.jobId);
      else if (e.event === 'job:completed' || e.event === 'job:failed' || e.event === 'lease:lost')
        jobs.delete(e.jobId);
    }
    return jobs;
  }

  signal(node: ChaosNode, signal: NodeJS.Signals): void {
    if (node.state === 'exited') return;
    if (signal === 'SIGKILL' || signal === 'SIGTERM') {
      node.endedBy = signal;
      this.deaths.push({ label: node.label, kind: signal === 'SIGKILL' ? 'kill' : 'term', at: performance.now() });
    }
    if (signal === 'SIGSTOP') {
      node.state = 'paused';
      this.deaths.push({ label: node.label, kind: 'zombie', at: performance.now() });
    }
    if (signal === 'SIGCONT' && node.state === 'paused') node.state = 'running';
    node.child.kill(signal);
  }

  async waitStarted(node: ChaosNode, timeoutMs = 60_000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (node.state === 'starting' && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return node.state === 'running' || node.state === 'paused';
  }

  /** SIGTERM (handoff) every node, then SIGKILL what did not exit within graceMs. */
  async stopAll(graceMs = 15_000): Promise<void> {
    for (const n of this.alive()) {
      if (n.state === 'paused') n.child.kill('SIGCONT');
      n.endedBy = 'SIGTERM';
      n.child.kill('SIGTERM');
    }
    const all = Promise.all([...this.nodes.values()].map((n) => n.done));
    const timer = setTimeout(() => this.alive().forEach((n) => n.child.kill('SIGKILL')), graceMs);
    await all;
    clearTimeout(timer);
  }
}
