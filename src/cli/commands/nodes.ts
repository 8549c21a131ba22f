/** `baton nodes`: the nodes of a store, alive or dead, heartbeat age and running jobs. */
import type { Command } from 'commander';
import { print, withClient, type GlobalOptions } from '../context.js';
import { formatDuration, formatTime, table, toJson } from '../format.js';

export function registerNodes(program: Command): void {
  program
    .command('nodes')
    .description('list nodes: alive or dead, heartbeat age, running jobs')
    .option('--all', 'include stopped and dead incarnations older than an hour')
    .action(async (o: { all?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withClient(g, async (client) => {
        const now = await (await client.store()).now();
        const nodes = (await client.listNodes()).filter((n) => o.all || n.alive || now - (n.deadAt ?? now) < 3_600_000);
        if (g.json) return print(toJson(nodes));
        if (nodes.length === 0) return print('no nodes');
        print(table(['NODE', 'STATUS', 'HEARTBEAT', 'RUNNING', 'HOST', 'PID', 'TASKS', 'STARTED', 'INCARNATION'], nodes.map((n) => [n.label, n.status, n.alive ? `${formatDuration(n.heartbeatAgeMs)} ago` : `dead ${formatTime(n.deadAt)}`, String(n.runningJobs), n.host, String(n.pid), n.tasks.join(',') || '-', formatTime(n.startedAt), n.id.slice(0, 8)])));
      });
    });
}
