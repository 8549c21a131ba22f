/**
 * LISTEN on a dedicated connection (a pooled one would be handed to queries). Bursts of
 * notifications become one call per event-loop turn. When the connection drops it reconnects
 * with backoff (100 ms doubling to 5 s) and then calls the listeners once: notifications sent
 * while it was away are lost, so waiting workers must look for work themselves.
 */
import pg from 'pg';
import { WORK_CHANNEL } from './schema.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;
/** A connection that died silently (no RST, e.g. a partition) shows up at the next ping. */
const PING_INTERVAL_MS = 30_000;
const PING_TIMEOUT_MS = 10_000;

export class WorkListener {
  private readonly listeners = new Set<() => void>();
  private client: pg.Client | null = null;
  private started = false;
  private stopped = false;
  private delayMs = FIRST_DELAY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private wakeQueued = false;

  constructor(private readonly config: pg.ClientConfig) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (!this.started && !this.stopped) {
      this.started = true;
      void this.connect();
    }
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.listeners.clear();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...this.config, application_name: 'baton-listener', query_timeout: PING_TIMEOUT_MS });
    this.client = client;
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', () => this.wake());
    try {
      await client.connect();
      await client.query(`LISTEN ${WORK_CHANNEL}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.client !== client) return;
    this.delayMs = FIRST_DELAY_MS;
    this.pingTimer = setInterval(() => void client.query('SELECT 1').catch(() => this.lost(client)), PING_INTERVAL_MS);
    this.pingTimer.unref();
    // Work may have been submitted before LISTEN took effect (or while reconnecting): look once.
    this.wake();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return; // already handled, or stopped
    this.client = null;
    clearInterval(this.pingTimer);
    client.end().catch(() => {});
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => void this.connect(), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, MAX_DELAY_MS);
  }

  private wake(): void {
    if (this.wakeQueued || this.stopped) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      if (this.stopped) return;
      for (const listener of [...this.listeners]) {
        try {
          listener();
        } catch {
          // A listener's failure is its own; the others still get woken.
        }
      }
    });
  }
}
