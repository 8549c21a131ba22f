/** `baton gc` and `baton migrate`: store maintenance. */
import type { Command } from 'commander';
import { print, withClient, type GlobalOptions } from '../context.js';
import { parseDuration, toJson } from '../format.js';

export function registerAdmin(program: Command): void {
  program
    .command('gc')
    .description('delete finished jobs (completed, failed, cancelled) and everything they own, past a retention')
    .requiredOption('--older-than <duration>', 'finished longer ago than this, e.g. 7d, 12h, 30m')
    .action(async (o: { olderThan: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const age = parseDuration(o.olderThan);
      await withClient(g, async (client) => {
        const store = await client.store();
        const deleted = await store.deleteFinishedJobs((await store.now()) - age);
        print(g.json ? toJson({ deletedJobs: deleted }) : `deleted ${deleted} finished job(s) older than ${o.olderThan}`);
      });
    });

  program
    .command('migrate')
    .description('create or upgrade the store schema (also done on first use)')
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await withClient(g, async (client) => {
        const store = await client.store();
        print(g.json ? toJson({ store: store.url, migrated: true }) : `store ${store.url} is migrated`);
      });
    });
}
