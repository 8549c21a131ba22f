/**
 * The demo's job: a five-stage ML-style pipeline. Each stage does real CPU work (SHA-256 in
 * 50 ms slices) for `stageMs`, keeps its cursor in the checkpointed state so a resume restarts
 * mid-stage, checkpoints inside the stage when the strategy says so, and saves its result as
 * a step. It reports what it does as JSON lines on stdout for the demo to show.
 */
import { createHash } from 'node:crypto';
import { defineTask } from '../../cluster/define-task.js';

export const STAGES = ['ingest', 'clean', 'extract features', 'train', 'evaluate'] as const;
const SLICE_MS = 50;

export interface PipelineInput {
  stageMs: number;
}

export function report(event: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, node: process.env.BATON_DEMO_NODE, at: Date.now(), ...data })}\n`);
}

function slice(seed: string): string {
  let digest = seed;
  const until = performance.now() + SLICE_MS;
  while (performance.now() < until) digest = createHash('sha256').update(digest).digest('hex');
  return digest;
}

export const pipelineTask = defineTask({
  name: 'demo-pipeline',
  version: '1',
  run: async (ctx, input: PipelineInput) => {
    const slices = Math.max(1, Math.round(input.stageMs / SLICE_MS));
    const results: string[] = [];
    for (const [index, stage] of STAGES.entries()) {
      const result = await ctx.step(stage, async () => {
        let cursor = ctx.getState<number>(`${stage}:cursor`, 0);
        let digest = ctx.getState<string>(`${stage}:digest`, stage);
        report('stage:start', { stage, index, resumedAtSlice: cursor, slices, attempt: ctx.attempt });
        for (; cursor < slices; cursor++) {
          digest = slice(digest);
          ctx.setState(`${stage}:cursor`, cursor + 1);
          ctx.setState(`${stage}:digest`, digest);
          ctx.updateProgress((index + (cursor + 1) / slices) / STAGES.length);
          report('progress', { stage, progress: ctx.progress });
          await ctx.checkpointIfNeeded();
        }
        report('stage:done', { stage, index, progress: ctx.progress });
        return `${stage}:${digest.slice(0, 12)}`;
      });
      results.push(result);
    }
    return { stages: results };
  },
});
