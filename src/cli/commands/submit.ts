/** `baton submit <task>`: queue a job; `--wait` follows it to the end. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { print, withClient, type GlobalOptions } from '../context.js';
import { toJson } from '../format.js';

export function registerSubmit(program: Command): void {
  program
    .command('submit <task>')
    .description('submit a job of a task')
    .option('--input <json>', 'the input, as JSON')
    .option('--input-file <file>', 'read the input JSON from a file')
    .option('--job-id <id>', 'job id (submitting an existing id returns it unchanged)')
    .option('--priority <n>', 'higher runs first', '0')
    .option('--max-attempts <n>', 'runs that may end in an error')
    .option('--wait', 'wait for the job to finish; exit non-zero if it fails')
    .option('--timeout <ms>', 'with --wait, give up after this many ms', String(24 * 3_600_000))
    .action(async (task: string, o: { input?: string; inputFile?: string; jobId?: string; priority: string; maxAttempts?: string; wait?: boolean; timeout: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (o.input !== undefined && o.inputFile !== undefined) throw new Error('give --input or --input-file, not both');
      const text = o.inputFile !== undefined ? readFileSync(o.inputFile, 'utf8') : o.input;
      let input: unknown;
      try {
        input = text === undefined ? null : JSON.parse(text);
      } catch (err) {
        throw new Error(`the input is not valid JSON (${(err as Error).message})`);
      }
      await withClient(g, async (client) => {
        const { jobId, created } = await client.submit(task, input, {
          jobId: o.jobId,
          priority: Number(o.priority),
          maxAttempts: o.maxAttempts === undefined ? undefined : Number(o.maxAttempts),
        });
        if (!o.wait) return print(g.json ? toJson({ jobId, created }) : `${created ? 'submitted' : 'already exists:'} ${jobId}`);
        const job = await client.waitForJob(jobId, { timeoutMs: Number(o.timeout), pollMs: 200 });
        if (g.json) print(toJson(job));
        else print(job.status === 'completed' ? `completed ${jobId}: ${toJson(job.result)}` : `${job.status} ${jobId}${job.error ? `: ${job.error.message}` : ''}`);
        if (job.status !== 'completed') process.exitCode = 1;
      });
    });
}
