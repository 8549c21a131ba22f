/** `baton worker`: runs a node serving the tasks of a module until SIGTERM/SIGINT (then hands off). */
import type { Command } from 'commander';
import { consoleLogger } from '../../logger.js';
import { Worker } from '../../cluster/worker.js';
import { storeUrl, print, type GlobalOptions } from '../context.js';
import { percent } from '../format.js';
import { loadTasks } from './load-tasks.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker node serving the tasks a module exports (SIGTERM hands its jobs off)')
    .requiredOption('--tasks <module>', 'module (.js, .mjs or .ts) exporting task definitions')
    .option('--concurrency <n>', 'jobs run at once', '4')
    .option('--node-id <id>', 'label of this node (default: host-pid-random)')
    .option('--heartbeat-interval <ms>', 'heartbeat period in ms', '1000')
    .option('--heartbeat-timeout <ms>', 'silence after which a node is declared dead, in ms', '5000')
    .action(async (o: { tasks: string; concurrency: string; nodeId?: string; heartbeatInterval: string; heartbeatTimeout: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const tasks = await loadTasks(o.tasks);
      const worker = new Worker({
        store: storeUrl(g),
        tasks,
        nodeId: o.nodeId,
        concurrency: Number(o.concurrency),
        heartbeatIntervalMs: Number(o.heartbeatInterval),
        heartbeatTimeoutMs: Number(o.heartbeatTimeout),
        logger: consoleLogger(g.json ? 'warn' : undefined),
      });
      const say = (event: string, data: Record<string, unknown>, text: string) =>
        print(g.json ? JSON.stringify({ event, node: worker.nodeId, at: Date.now(), ...data }) : `${new Date().toISOString()} ${worker.nodeId} ${text}`);
      worker.on('job:claimed', (e) => say('job:claimed', e, `claimed ${e.jobId} (attempt ${e.attempt})`));
      worker.on('job:takeover', (e) => say('job:takeover', { ...e, checkpoint: e.checkpoint?.seq ?? null }, `took over ${e.jobId} from ${e.fromNode}${e.checkpoint ? ` at ${percent(e.checkpoint.progress)}` : ''}`));
      worker.on('job:checkpoint', (e) => say('job:checkpoint', e, `checkpoint ${e.jobId} seq ${e.seq} at ${percent(e.progress)} (${e.costMs.toFixed(1)} ms)`));
      worker.on('job:completed', (e) => say('job:completed', { jobId: e.jobId, attempt: e.attempt }, `completed ${e.jobId}`));
      worker.on('job:failed', (e) => say('job:failed', { jobId: e.jobId, willRetry: e.willRetry, error: String((e.error as Error)?.message ?? e.error) }, `failed ${e.jobId}${e.willRetry ? ' (will retry)' : ''}: ${String((e.error as Error)?.message ?? e.error)}`));
      worker.on('lease:lost', (e) => say('lease:lost', { jobId: e.jobId, epoch: e.epoch }, `lease lost on ${e.jobId} (epoch ${e.epoch})`));
      worker.on('node:dead', (n) => say('node:dead', { dead: n.label, incarnation: n.id }, `declared node ${n.label} dead`));
      worker.on('fatal', (err) => {
        process.stderr.write(`baton: node ${worker.nodeId} stops: ${err.message}\n`);
        worker.once('stopped', () => process.exit(1));
      });
      worker.handleSignals();
      await worker.start();
      say('started', { tasks: tasks.map((t) => t.name) }, `started, serving ${tasks.map((t) => t.name).join(', ')}`);
      await new Promise<never>(() => undefined); // runs until a signal stops it
    });
}
