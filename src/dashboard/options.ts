/**
 * Dashboard options, normalised once. The one rule that matters: a dashboard reachable from
 * other machines must demand a token, so binding beyond loopback without one is refused.
 */
import { BatonError, ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

export interface DashboardOptions {
  /** An open store; the dashboard never closes it. */
  store: Store;
  /** Interface to bind. @defaultValue '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one. @defaultValue 7370 */
  port?: number;
  /** Bearer token every request must carry; required unless `host` is loopback. */
  token?: string;
  /** How often the live feed polls the store, in ms. @defaultValue 1000 */
  pollMs?: number;
  logger?: Logger;
}

export interface NormalisedOptions {
  readonly store: Store;
  readonly host: string;
  readonly port: number;
  readonly token: string | null;
  readonly pollMs: number;
  readonly logger: Logger | null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

export function normaliseOptions(o: DashboardOptions): NormalisedOptions {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 7370;
  const token = o.token === undefined || o.token === '' ? null : o.token;
  const pollMs = o.pollMs ?? 1000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new BatonError(
      ErrorCode.INVALID_OPTION,
      `dashboard port ${port} is not a TCP port: use 0-65535 (0 picks a free one)`,
    );
  }
  if (!(pollMs >= 50))
    throw new BatonError(ErrorCode.INVALID_OPTION, `dashboard pollMs ${pollMs} is too small: use 50 ms or more`);
  if (token !== null && token.length < 16) {
    throw new BatonError(
      ErrorCode.INVALID_OPTION,
      'the dashboard token is shorter than 16 characters: use a long random one (openssl rand -hex 24)',
    );
  }
  if (token === null && !isLoopback(host)) {
    throw new BatonError(
      ErrorCode.INVALID_OPTION,
      `refusing to serve the dashboard on ${host} without a token: anyone who reaches it could cancel jobs. ` +
        'Pass --token (or set BATON_DASHBOARD_TOKEN), or bind to 127.0.0.1',
    );
  }
  return Object.freeze({ store: o.store, host, port, token, pollMs, logger: o.logger ?? null });
}
