/**
 * One demo worker node (a real child process): serves the pipeline and reports its events as
 * JSON lines. Env: BATON_DEMO_STORE, BATON_DEMO_NODE, BATON_DEMO_STRATEGY.
 */
import { Worker } from '../../cluster/worker.js';
import { silentLogger } from '../../logger.js';
import { pipelineTask, report } from './pipeline-task.js';

const worker = new Worker({
  store: process.env.BATON_DEMO_STORE!,
  nodeId: process.env.BATON_DEMO_NODE!,
  tasks: [pipelineTask],
  concurrency: 1,
  heartbeatIntervalMs: 250,
  heartbeatTimeoutMs: 1500,
  checkpoint: { strategy: process.env.BATON_DEMO_STRATEGY === 'none' ? 'none' : 'time', checkpointIntervalMs: 1000 },
  logger: silentLogger,
});
worker.on('job:claimed', (e) => report('claimed', { jobId: e.jobId, attempt: e.attempt }));
worker.on('job:checkpoint', (e) => report('checkpoint', { seq: e.seq, progress: e.progress, costMs: e.costMs }));
worker.on('job:takeover', (e) =>
  report('takeover', { fromNode: e.fromNode, progress: e.checkpoint?.progress ?? 0, seq: e.checkpoint?.seq ?? null, completedSteps: e.checkpoint?.completedSteps ?? [] }),
);
worker.on('job:completed', (e) => report('completed', { result: e.result, attempt: e.attempt }));
worker.on('node:dead', (n) => report('node:dead', { dead: n.label }));
worker.handleSignals();
await worker.start();
report('started');
