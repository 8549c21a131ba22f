/** `baton watch <id>`: live progress, step, node, and the work at risk since the last checkpoint. */
import type { Command } from 'commander';
import { FINISHED } from '../../cluster/job-info.js';
import { print, withClient, type GlobalOptions } from '../context.js';
import { formatDuration, percent, progressBar, toJson } from '../format.js';

export function registerWatch(program: Command): void {
  program
    .command('watch <id>')
    .description('follow a job live: progress, current step, node, time since its last checkpoint')
    .option('--interval <ms>', 'refresh period', '250')
    .action(async (id: string, o: { interval: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const tty = process.stdout.isTTY === true && !g.json;
      await withClient(g, async (client) => {
        const store = await client.store();
        let last = '';
        for (;;) {
          const job = await client.getJob(id);
          if (job === null) throw new Error(`no job "${id}" in this store`);
          const [latest] = await store.listCheckpoints(id, 1);
          const now = await store.now();
          const atRisk = job.status === 'running' ? now - (latest?.createdAt ?? job.startedAt ?? now) : null;
          const fields = { jobId: id, status: job.status, progress: job.progress, step: job.currentStep, node: job.ownerNode, attempt: job.attempt, lastCheckpointSeq: latest?.seq ?? null, atRiskMs: atRisk };
          const line = `${progressBar(job.progress)} ${percent(job.progress).padStart(4)}  ${job.status}  step ${job.currentStep ?? '-'}  node ${job.ownerNode ?? '-'}  attempt ${job.attempt}  last checkpoint ${latest ? `seq ${latest.seq}, ${formatDuration(atRisk)} ago (at risk)` : 'none'}`;
          if (g.json) {
            const text = JSON.stringify({ ...fields, atRiskMs: undefined });
            if (text !== last) print(JSON.stringify(fields));
            last = text;
          } else if (tty) process.stdout.write(`\r\x1b[2K${line}`);
          else if (line.replace(/[\d.]+(ms|s|m) ago/, '') !== last) {
            print(`${new Date().toISOString()} ${line}`);
            last = line.replace(/[\d.]+(ms|s|m) ago/, '');
          }
          if (FINISHED.has(job.status)) {
            if (tty) process.stdout.write('\n');
            if (!g.json) print(job.status === 'completed' ? `completed: ${toJson(job.result)}` : `${job.status}${job.error ? `: ${job.error.message}` : ''}`);
            if (job.status !== 'completed') process.exitCode = 1;
            return;
          }
          await new Promise((r) => setTimeout(r, Number(o.interval)));
        }
      });
    });
}
