/** `baton jobs list|inspect|cancel|retry`: the jobs in a store, and the two actions on one. */
import type { Command } from 'commander';
import type { JobInfo } from '../../cluster/job-info.js';
import type { JobEvent, JobStatus } from '../../store/records.js';
import { print, withClient, type GlobalOptions } from '../context.js';
import { formatBytes, formatTime, percent, table, toJson } from '../format.js';

const STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'];

export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('list, inspect, cancel and retry jobs');

  jobs
    .command('list')
    .description('list jobs, newest first')
    .option('--status <status>', `only jobs in this status (${STATUSES.join(', ')})`)
    .option('--task <name>', 'only jobs of this task')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (o: { status?: string; task?: string; limit: string }, cmd: Command) => {
      if (o.status !== undefined && !STATUSES.includes(o.status)) throw new Error(`unknown status "${o.status}": use one of ${STATUSES.join(', ')}`);
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withClient(g, async (client) => {
        const list = await client.listJobs({ status: o.status as JobStatus | undefined, task: o.task, limit: Number(o.limit) });
        if (g.json) return print(toJson(list));
        if (list.length === 0) return print('no jobs');
        print(table(['ID', 'TASK', 'STATUS', 'PROGRESS', 'STEP', 'ATTEMPT', 'NODE', 'UPDATED'], list.map(jobRow)));
        const unserved = list.filter((j) => j.unserved);
        if (unserved.length > 0) print(`\n${unserved.length} queued job(s) wait for a task no live node serves: ${[...new Set(unserved.map((j) => j.task))].join(', ')}`);
      });
    });

  jobs
    .command('inspect <id>')
    .description('status, attempts, owner, progress, checkpoints and the job\'s history across nodes')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withClient(g, async (client) => {
        const job = await client.getJob(id);
        if (job === null) throw new Error(`no job "${id}" in this store`);
        const [checkpoints, events] = await Promise.all([client.listCheckpoints(id), client.getJobEvents(id)]);
        if (g.json) return print(toJson({ job, checkpoints, events }));
        print(`job ${job.id}  (${job.task}${job.taskVersion ? ` v${job.taskVersion}` : ''})`);
        print(`  status     ${job.status}${job.unserved ? ' (no live node serves this task)' : ''}`);
        print(`  progress   ${percent(job.progress)}${job.currentStep ? `, step ${job.currentStep}` : ''}`);
        print(`  attempt    ${job.attempt} (errors ${job.errorCount}/${job.maxAttempts ?? 'task default'}, crashes ${job.crashCount}/${job.maxCrashes}), lease epoch ${job.epoch}`);
        print(`  node       ${job.ownerNode ?? '-'}`);
        print(`  created    ${formatTime(job.createdAt)}   finished ${formatTime(job.finishedAt)}`);
        if (job.error) print(`  error      ${job.error.code ? `${job.error.code}: ` : ''}${job.error.message}`);
        if (job.status === 'completed') print(`  result     ${toJson(job.result)}`);
        print(`\ncheckpoints (${checkpoints.length} kept)`);
        for (const c of checkpoints) print(`  seq ${c.seq}  ${percent(c.progress)}  ${c.currentStep ?? '-'}  ${formatBytes(c.sizeBytes)}  by ${c.nodeId}  ${formatTime(c.createdAt)}`);
        print('\nhistory');
        for (const e of events) print(`  ${formatTime(e.at)}  ${describeEvent(e)}`);
      });
    });

  for (const [name, what] of [['cancel', 'cancel a queued or running job'], ['retry', 'queue a failed or cancelled job again (it resumes from its checkpoint)']] as const) {
    jobs
      .command(`${name} <id>`)
      .description(what)
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        await withClient(g, async (client) => {
          const job = name === 'cancel' ? await client.cancel(id) : await client.retry(id);
          print(g.json ? toJson(job) : `job ${id} is ${job.status}`);
        });
      });
  }
}

function jobRow(j: JobInfo): string[] {
  return [j.id, j.task, j.status + (j.unserved ? '*' : ''), percent(j.progress), j.currentStep ?? '-', String(j.attempt), j.ownerNode ?? '-', formatTime(j.updatedAt)];
}

/** One readable line per event: what happened, where, under which attempt and epoch. */
export function describeEvent(e: JobEvent): string {
  const d = e.data ?? {};
  const where = e.nodeId ? ` on ${e.nodeId}` : '';
  const tag = e.attempt !== null ? ` (attempt ${e.attempt}, epoch ${e.epoch})` : '';
  switch (e.type) {
    case 'checkpoint':
      return `checkpoint seq ${String(d.seq)} at ${percent(Number(d.progress))}${d.step ? `, step ${String(d.step)}` : ''}, ${formatBytes(Number(d.sizeBytes))}${where}${tag}`;
    case 'resumed':
      return `resumed from checkpoint seq ${String(d.seq)} at ${percent(Number(d.progress))}, skipping ${(d.completedSteps as string[] | undefined)?.join(', ') || 'no step'}${where}${tag}`;
    case 'takeover':
      return `takeover: ${String(d.fromNode)} → ${String(d.toNode)}${tag}`;
    case 'requeued':
      return `requeued: owner ${String(d.fromNode)} declared dead${tag}`;
    case 'retry':
      return d.manual ? `retry requested${tag}` : `failed, retry at ${formatTime(Number(d.retryAt))}: ${String(d.error)}${where}${tag}`;
    case 'failed':
      return `failed: ${String(d.code ?? '')} ${String(d.error ?? '')}${where}${tag}`;
    default:
      return `${e.type}${where}${tag}`;
  }
}

