/**
 * The live feed (Server-Sent Events at /api/live). One poll loop serves every open page: it
 * runs about once per `pollMs` while at least one page listens, and stops when none does.
 * Each poll sends `overview` (nodes, totals); `jobs` only when jobs changed, naming them, so a
 * page reloads just the rows it shows.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { SECURITY_HEADERS } from './http.js';
import type { Overview, PollResult, StorePoller } from './poller.js';

const MAX_CHANGED_IDS = 2000;

export class LiveFeed {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  /** A poll loop runs: from the first listener until a poll finds none left. */
  private looping = false;
  private inflight: Promise<PollResult> | null = null;
  private last: PollResult | null = null;
  private closed = false;

  constructor(
    private readonly poller: StorePoller,
    private readonly pollMs: number,
    private readonly logger: Logger | null,
  ) {}

  attach(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
    if (this.last !== null) send(res, 'overview', this.last.overview);
    if (!this.looping) {
      this.looping = true;
      void this.tick();
    }
  }

  /** The latest overview, polling now if the loop is idle. */
  async overview(): Promise<Overview> {
    if (this.looping && this.last !== null) return this.last.overview;
    return (await this.pollOnce()).overview;
  }

  /** Ends every stream and waits for a poll in flight, so the store can be closed after. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const res of this.clients) res.end();
    this.clients.clear();
    await this.inflight?.catch(() => undefined);
  }

  private pollOnce(): Promise<PollResult> {
    this.inflight ??= this.poller.poll().finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async tick(): Promise<void> {
    this.timer = null;
    try {
      const r = await this.pollOnce();
      this.last = r;
      this.broadcast('overview', r.overview);
      if (r.changed.length > 0 || r.submitted > 0 || r.overflow) {
        const overflow = r.overflow || r.changed.length > MAX_CHANGED_IDS;
        this.broadcast('jobs', { changed: overflow ? [] : r.changed, submitted: r.submitted, overflow });
      }
    } catch (err) {
      // The store may be briefly unreachable: tell the pages, keep polling.
      const message = err instanceof Error ? err.message : String(err);
      this.logger?.warn('dashboard poll failed', { error: message });
      this.broadcast('trouble', { error: message });
    }
    if (!this.closed && this.clients.size > 0) this.timer = setTimeout(() => void this.tick(), this.pollMs);
    else this.looping = false;
  }

  private broadcast(event: string, data: unknown): void {
    for (const res of this.clients) send(res, event, data);
  }
}

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
