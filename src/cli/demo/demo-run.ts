/**
 * One run of the failover scenario: start worker node processes, submit the pipeline, SIGKILL
 * the node running it once progress passes `failAt`, and time what follows until completion.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '../../cluster/client.js';
import { pipelineTask } from './pipeline-task.js';

export interface DemoEvent {
  event: string;
  node: string;
  at: number;
  [key: string]: unknown;
}

export interface DemoRunOptions {
  store: string;
  failAt: number;
  stageMs: number;
  strategy: 'time' | 'none';
  nodes: number;
  onEvent(e: DemoEvent): void;
  /** Every child started, so the caller can clean up whatever happens. */
  children: Set<ChildProcess>;
}

export interface DemoRunResult {
  jobId: string;
  submittedAt: number;
  killAt: number;
  killedNode: string;
  lastCheckpoint: { at: number; progress: number } | null;
  detected: { at: number; by: string } | null;
  takeover: { at: number; node: string; progress: number; completedSteps: string[] } | null;
  completedAt: number;
  stageStarts: Map<string, number>;
}

function nodeEntry(): { args: string[] } {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts')
    ? { args: ['--import', 'tsx', fileURLToPath(new URL('./demo-node.ts', import.meta.url))] }
    : { args: [fileURLToPath(new URL('./demo-node.js', import.meta.url))] };
}

export async function runScenario(o: DemoRunOptions): Promise<DemoRunResult> {
  const events: DemoEvent[] = [];
  const nodes = new Map<string, ChildProcess>();
  let wake: () => void = () => undefined;
  const until = async <T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = find();
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`the demo timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
  };
  for (let i = 1; i <= o.nodes; i++) {
    const name = `node-${i}`;
    const child = spawn(process.execPath, nodeEntry().args, {
      env: { ...process.env, BATON_DEMO_STORE: o.store, BATON_DEMO_NODE: name, BATON_DEMO_STRATEGY: o.strategy },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    o.children.add(child);
    nodes.set(name, child);
    let buffer = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const e = { ...(JSON.parse(line) as DemoEvent), at: Date.now() };
          events.push(e);
          o.onEvent(e);
          wake();
        } catch {
          // not an event line
        }
      }
    });
  }
  const find = (pred: (e: DemoEvent) => boolean) => () => events.find(pred);
  for (const name of nodes.keys()) await until(find((e) => e.event === 'started' && e.node === name), 30_000, `${name} to start`);

  const client = new Client({ store: o.store });
  const jobId = `pipeline-${Date.now().toString(36)}`;
  const submittedAt = Date.now();
  try {
    await client.submit(pipelineTask, { stageMs: o.stageMs }, { jobId, maxCrashes: 3 });
    const budget = o.stageMs * 5 * 3 + 30_000;
    const trigger = await until(find((e) => e.event === 'progress' && Number(e.progress) > o.failAt), budget, 'the job to reach the failure point');
    nodes.get(trigger.node)!.kill('SIGKILL');
    const killAt = Date.now();
    o.onEvent({ event: 'killed', node: trigger.node, at: killAt, progress: trigger.progress });
    const completed = await until(find((e) => e.event === 'completed'), budget, 'the job to complete');
    const lastCp = events.filter((e) => e.event === 'checkpoint' && e.node === trigger.node && e.at <= killAt).at(-1);
    const detected = events.find((e) => e.event === 'node:dead' && e.dead === trigger.node && e.at >= killAt);
    const takeover = events.find((e) => e.event === 'takeover' && e.at >= killAt);
    const stageStarts = new Map<string, number>();
    for (const e of events) if (e.event === 'stage:start') stageStarts.set(String(e.stage), (stageStarts.get(String(e.stage)) ?? 0) + 1);
    return {
      jobId,
      submittedAt,
      killAt,
      killedNode: trigger.node,
      lastCheckpoint: lastCp ? { at: lastCp.at, progress: Number(lastCp.progress) } : null,
      detected: detected ? { at: detected.at, by: detected.node } : null,
      takeover: takeover ? { at: takeover.at, node: takeover.node, progress: Number(takeover.progress), completedSteps: takeover.completedSteps as string[] } : null,
      completedAt: completed.at,
      stageStarts,
    };
  } finally {
    await client.close();
    for (const child of nodes.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
