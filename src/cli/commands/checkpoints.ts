/** `baton checkpoints <jobId> [--decode]`: a job's kept checkpoints; one decoded, verified, readably. */
import type { Command } from 'commander';
import { loadCheckpoint } from '../../checkpoint/checkpoint-reader.js';
import { toInspectable } from '../../checkpoint/codec/index.js';
import { print, withClient, type GlobalOptions } from '../context.js';
import { formatBytes, formatTime, percent, table, toJson } from '../format.js';

export function registerCheckpoints(program: Command): void {
  program
    .command('checkpoints <jobId>')
    .description("list a job's checkpoints, newest first; --decode prints one's content (verified)")
    .option('--decode', 'decode and print the newest checkpoint (or --seq)')
    .option('--seq <n>', 'with --decode, which checkpoint')
    .action(async (jobId: string, o: { decode?: boolean; seq?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withClient(g, async (client) => {
        const store = await client.store();
        if (!o.decode) {
          const list = await store.listCheckpoints(jobId);
          if (g.json) return print(toJson(list));
          if (list.length === 0) return print(`no checkpoints kept for job "${jobId}" (deleted when a job completes)`);
          return print(table(['SEQ', 'PROGRESS', 'STEP', 'SIZE', 'NODE', 'ATTEMPT', 'EPOCH', 'TIME'], list.map((c) => [String(c.seq), percent(c.progress), c.currentStep ?? '-', formatBytes(c.sizeBytes), c.nodeId, String(c.attempt), String(c.epoch), formatTime(c.createdAt)])));
        }
        const rows = await store.getCheckpoints(jobId, 1000);
        const row = o.seq === undefined ? rows[0] : rows.find((r) => r.seq === Number(o.seq));
        if (row === undefined) throw new Error(`no checkpoint ${o.seq === undefined ? '' : `seq ${o.seq} `}kept for job "${jobId}"`);
        const { checkpoint } = await loadCheckpoint(store, row);
        print(toJson(toInspectable(checkpoint)));
      });
    });
}
