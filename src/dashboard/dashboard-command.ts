/** `baton dashboard`: serves the live web dashboard of a store until interrupted. */
import type { Command } from 'commander';
import { print, storeUrl, type GlobalOptions } from '../cli/context.js';
import { consoleLogger } from '../logger.js';
import { openStore } from '../store/open-store.js';
import { startDashboard } from './server.js';

interface DashboardFlags {
  port: string;
  host: string;
  token?: string;
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description(
      'serve a live web dashboard: nodes, jobs, checkpoints and takeovers (read-only, plus cancel and retry)',
    )
    .option('--port <n>', 'TCP port', '7370')
    .option('--host <host>', 'interface to bind; anything but loopback needs a token', '127.0.0.1')
    .option('--token <token>', 'token every request must carry (default: BATON_DASHBOARD_TOKEN)')
    .action(async (o: DashboardFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const port = Number(o.port);
      if (!Number.isInteger(port)) throw new Error(`--port "${o.port}" is not a number: use a TCP port such as 7370`);
      const store = await openStore(storeUrl(g));
      try {
        const dashboard = await startDashboard({
          store,
          host: o.host,
          port,
          token: o.token ?? process.env.BATON_DASHBOARD_TOKEN,
          logger: consoleLogger(),
        });
        const tokenNote =
          o.token !== undefined || process.env.BATON_DASHBOARD_TOKEN ? ' (open it once with ?token=<token>)' : '';
        print(`baton dashboard on ${dashboard.url}${tokenNote}, store ${store.url}; Ctrl-C to stop`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await dashboard.close();
      } finally {
        await store.close();
      }
    });
}
