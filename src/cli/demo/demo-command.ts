/**
 * `baton demo`: Baton's promise in one command. Three worker processes on a fresh store run a
 * five-stage pipeline; the node running it is SIGKILLed past `--fail-at`; another node
 * detects the death, takes the job over and resumes it from its checkpoint, skipping the
 * completed stages. `--compare` measures the same failures with checkpointing off.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatDuration, percent, table } from '../format.js';
import { runScenario, type DemoEvent, type DemoRunResult } from './demo-run.js';
import { DemoView } from './demo-view.js';
import { STAGES } from './pipeline-task.js';

interface DemoOptions {
  failAt: string;
  stageMs: string;
  nodes: string;
  compare?: boolean;
  store?: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('watch a job survive the SIGKILL of its node: detection, takeover, resume from checkpoint')
    .option('--fail-at <fraction>', 'kill the node running the job when progress passes this', '0.4')
    .option('--stage-ms <ms>', 'CPU work per pipeline stage', '2500')
    .option('--nodes <n>', 'worker node processes', '3')
    .option('--compare', 'also measure failures at 25/50/75% with and without checkpoints')
    .action(async (o: DemoOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<{ store?: string }>();
      const failAt = Number(o.failAt);
      if (!(failAt > 0 && failAt < 1)) throw new Error(`--fail-at must be a fraction between 0 and 1, got ${o.failAt}`);
      const children = new Set<ChildProcess>();
      const dir = g.store === undefined ? mkdtempSync(join(tmpdir(), 'baton-demo-')) : null;
      const cleanup = () => {
        for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
        if (dir !== null) rmSync(dir, { recursive: true, force: true });
      };
      const onInterrupt = () => {
        cleanup();
        process.stderr.write('\nbaton: demo interrupted; its processes and files are removed\n');
        process.exit(130);
      };
      process.once('SIGINT', onInterrupt);
      process.once('SIGTERM', onInterrupt);
      try {
        const store = (n: string) => g.store ?? `sqlite:${join(dir!, `${n}.db`)}`;
        const common = { stageMs: Number(o.stageMs), nodes: Number(o.nodes), children };
        const view = new DemoView(process.stdout.isTTY === true);
        view.heading(`${common.nodes} worker nodes, a ${STAGES.length}-stage pipeline, SIGKILL at ${percent(failAt)}`);
        const run = await runScenario({ ...common, store: store('demo'), failAt, strategy: 'time', onEvent: (e) => show(view, e) });
        view.done();
        const verdict = summarise(run, common.stageMs);
        if (o.compare) await compare(common, store);
        if (verdict !== null) throw new Error(verdict);
      } finally {
        process.off('SIGINT', onInterrupt);
        process.off('SIGTERM', onInterrupt);
        cleanup();
      }
    });
}

function show(view: DemoView, e: DemoEvent): void {
  const p = Number(e.progress ?? 0);
  switch (e.event) {
    case 'started':
      return view.line(`${e.node} started`);
    case 'claimed':
      return view.line(`${e.node} claimed the job (attempt ${String(e.attempt)})`);
    case 'stage:start':
      return view.line(`${e.node} stage ${Number(e.index) + 1}/${STAGES.length} ${String(e.stage)}${Number(e.resumedAtSlice) > 0 ? ` resumes at ${percent(Number(e.resumedAtSlice) / Number(e.slices))} of the stage` : ''}`);
    case 'stage:done':
      return view.line(`${e.node} stage ${Number(e.index) + 1}/${STAGES.length} ${String(e.stage)} done, progress ${percent(p)}`);
    case 'checkpoint':
      return view.line(`${e.node} checkpoint seq ${String(e.seq)} at ${percent(p)} (${Number(e.costMs).toFixed(1)} ms)`);
    case 'progress':
      return view.bar(e.node, p, String(e.stage));
    case 'killed':
      view.forget(e.node, '✖ killed');
      return view.line(`✖ SIGKILL ${e.node} at ${percent(p)}: no shutdown, no final checkpoint`);
    case 'node:dead':
      return view.line(`${e.node} detected that ${String(e.dead)} is dead (no heartbeat)`);
    case 'takeover': {
      const steps = (e.completedSteps as string[]) ?? [];
      return view.line(`${e.node} takes over from ${String(e.fromNode)}: ${e.seq === null ? 'no checkpoint, restarting from zero' : `resuming from checkpoint at ${percent(p)}, ${stageList(steps)} already completed: skipping`}`);
    }
    case 'completed':
      return view.line(`${e.node} completed the job`);
  }
}

function stageList(steps: string[]): string {
  if (steps.length === 0) return 'no stage';
  return `${steps.length === 1 ? 'stage 1' : `stages 1–${steps.length}`} (${steps.join(', ')})`;
}

/** Prints the closing summary; returns why the demo failed, or null. */
function summarise(r: DemoRunResult, stageMs: number): string | null {
  const total = r.completedAt - r.submittedAt;
  const detectMs = r.detected ? r.detected.at - r.killAt : null;
  const redone = r.lastCheckpoint ? r.killAt - r.lastCheckpoint.at : r.killAt - r.submittedAt;
  const saved = (r.takeover?.progress ?? 0) * STAGES.length * stageMs;
  process.stdout.write('\n── summary ' + '─'.repeat(67) + '\n');
  process.stdout.write(`  detection     ${r.detected ? `${r.detected.by} declared ${r.killedNode} dead ${formatDuration(detectMs)} after the kill` : 'not seen'}\n`);
  process.stdout.write(`  takeover      ${r.takeover ? `${r.takeover.node}, ${formatDuration(r.takeover.at - r.killAt)} after the kill, from ${percent(r.takeover.progress)}` : 'none'}\n`);
  process.stdout.write(`  time lost     ${formatDuration((r.takeover?.at ?? r.killAt) - r.killAt + redone)}: ${formatDuration(redone)} of work since the last checkpoint, plus detection and takeover\n`);
  process.stdout.write(`  work saved    ${formatDuration(saved)} of ${formatDuration(STAGES.length * stageMs)} that a restart from zero would redo\n`);
  process.stdout.write(`  total time    ${formatDuration(total)} (work alone: ${formatDuration(STAGES.length * stageMs)})\n`);
  const skipped = r.takeover?.completedSteps ?? [];
  const rerun = skipped.filter((s) => (r.stageStarts.get(s) ?? 0) > 1);
  if (r.takeover === null) return 'the job completed without a takeover';
  if (skipped.length === 0) return 'the takeover resumed with no completed stage to skip';
  if (rerun.length > 0) return `completed stages ran again after the takeover: ${rerun.join(', ')}`;
  process.stdout.write(`\nOK: the job survived the death of ${r.killedNode}; ${stageList(skipped)} did not run again.\n`);
  return null;
}

async function compare(common: { stageMs: number; nodes: number; children: Set<ChildProcess> }, store: (n: string) => string): Promise<void> {
  const rows: string[][] = [];
  const quiet = () => undefined;
  for (const failAt of [0.25, 0.5, 0.75]) {
    process.stdout.write(`comparing: failure at ${percent(failAt)}, with and without checkpoints…\n`);
    const withCp = await runScenario({ ...common, store: store(`with-${failAt}`), failAt, strategy: 'time', onEvent: quiet });
    const without = await runScenario({ ...common, store: store(`without-${failAt}`), failAt, strategy: 'none', onEvent: quiet });
    const after = (r: DemoRunResult) => r.completedAt - r.killAt;
    rows.push([percent(failAt), formatDuration(after(withCp)), formatDuration(after(without)), `${(after(without) / after(withCp)).toFixed(1)}×`, formatDuration(withCp.completedAt - withCp.submittedAt), formatDuration(without.completedAt - without.submittedAt)]);
  }
  process.stdout.write('\n── time after the failure, measured ' + '─'.repeat(42) + '\n');
  process.stdout.write(table(['FAIL AT', 'CHECKPOINTS', 'RESTART FROM ZERO', 'SPEEDUP', 'TOTAL (CP)', 'TOTAL (ZERO)'], rows) + '\n');
}
