/**
 * The dashboard's HTTP server (node:http only): auth first, then the page and its assets,
 * then the API. `startDashboard` resolves once it listens; `close()` ends live streams and
 * waits for a poll in flight, and never closes the store (the caller owns it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api } from './api.js';
import { Auth } from './auth.js';
import { HttpError, SECURITY_HEADERS, sendError } from './http.js';
import { LiveFeed } from './live.js';
import { normaliseOptions, type DashboardOptions } from './options.js';
import { StorePoller } from './poller.js';
import { StaticFiles } from './static-files.js';

export interface Dashboard {
  /** Where it listens, e.g. http://127.0.0.1:7370/ */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const o = normaliseOptions(options);
  const files = new StaticFiles();
  const auth = new Auth(o.token);
  const live = new LiveFeed(new StorePoller(o.store), o.pollMs, o.logger);
  const api = new Api(o.store, live);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const isPage = req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html');
    const queryToken = isPage && auth.required ? url.searchParams.get('token') : null;
    const verdict = auth.check(req, queryToken);
    if (verdict !== 'ok') return refuse(res, verdict, url.pathname.startsWith('/api/'));
    if (queryToken !== null) {
      // Trade the token in the address bar for a cookie, and drop it from the history.
      res.writeHead(303, { ...SECURITY_HEADERS, Location: '/', 'Set-Cookie': auth.cookie() });
      return void res.end();
    }
    if (isPage) return void files.serve(res, 'index.html');
    if (url.pathname.startsWith('/api/')) return api.handle(req, res, url);
    const asset = /^\/static\/([\w.-]+)$/.exec(url.pathname);
    if (req.method === 'GET' && asset !== null && files.serve(res, asset[1])) return;
    throw new HttpError(404, `nothing at ${url.pathname}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!(err instanceof HttpError)) o.logger?.warn('dashboard request failed', { url: req.url, error: String(err) });
      sendError(res, err);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}/`,
    port,
    async close() {
      await live.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const REFUSALS = {
  unauthorized: [
    401,
    'this dashboard needs its token: open it as /?token=<token>, or send Authorization: Bearer <token>',
  ],
  'bad-host': [
    403,
    'the Host header does not name this machine (loopback): open the dashboard as http://127.0.0.1:<port>/',
  ],
  forbidden: [403, 'changes need the X-Baton: 1 header from the dashboard page itself'],
} as const;

function refuse(res: ServerResponse, verdict: keyof typeof REFUSALS, isApi: boolean): void {
  const [status, message] = REFUSALS[verdict];
  const body = isApi ? JSON.stringify({ error: message, code: verdict }) : `${status}: ${message}\n`;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': isApi ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    ...(verdict === 'unauthorized' ? { 'WWW-Authenticate': 'Bearer realm="baton"' } : {}),
  });
  res.end(body);
}
