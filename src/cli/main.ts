#!/usr/bin/env node
/**
 * The `baton` command: a thin shell over the library. Every failure ends in one line on
 * stderr and a non-zero exit (2 for usage errors, 1 for the rest).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isBatonError } from '../errors.js';
import { registerAdmin } from './commands/admin.js';
import { registerCheckpoints } from './commands/checkpoints.js';
import { registerJobs } from './commands/jobs.js';
import { registerNodes } from './commands/nodes.js';
import { registerSubmit } from './commands/submit.js';
import { registerWatch } from './commands/watch.js';
import { registerWorker } from './commands/worker.js';
import { registerDemo } from './demo/demo-command.js';
import { registerDashboard } from '../dashboard/dashboard-command.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('baton')
    .description('Baton: long jobs that survive crashes')
    .version(pkg.version)
    .option('--store <url>', 'store URL: sqlite:<path>, postgres://…, memory: (default: BATON_STORE, else sqlite:./data/baton.db)')
    .option('--json', 'machine-readable output')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  registerDemo(program);
  registerWorker(program);
  registerSubmit(program);
  registerJobs(program);
  registerWatch(program);
  registerCheckpoints(program);
  registerNodes(program);
  registerAdmin(program);
  registerDashboard(program);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ outputError: () => undefined });
  for (const cmd of program.commands.flatMap((c) => c.commands)) cmd.exitOverride().configureOutput({ outputError: () => undefined });
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) process.exit(0); // --help, --version
      process.stderr.write(`baton: ${err.message.replace(/^error: /, '')} (see baton --help)\n`);
      process.exit(2);
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`baton: ${message}${isBatonError(err) ? ` [${err.code}]` : ''}\n`);
    process.exit(1);
  }
}

await main();
