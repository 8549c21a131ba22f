/**
 * Who may talk to the dashboard. With a token, every request (page, assets, API, live feed)
 * carries it: `Authorization: Bearer <token>`, or the cookie set when the page was first opened
 * with `?token=<token>`. Without a token (loopback only) the Host header must name loopback,
 * so a DNS-rebinding page cannot read the API through the user's browser. State-changing
 * requests also need the `X-Baton: 1` header, which a cross-site form cannot send.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE = 'baton_dashboard';
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

export type Verdict = 'ok' | 'unauthorized' | 'bad-host' | 'forbidden';

export class Auth {
  /** The cookie holds a value derived from the token, never the token itself. */
  private readonly cookieValue: string | null;

  constructor(private readonly token: string | null) {
    this.cookieValue =
      token === null ? null : createHmac('sha256', token).update('baton-dashboard-cookie').digest('base64url');
  }

  get required(): boolean {
    return this.token !== null;
  }

  /** Checks the caller; `queryToken` is the `?token=` of a page load, if any. */
  check(req: IncomingMessage, queryToken: string | null): Verdict {
    if (this.token === null) {
      if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return 'bad-host';
    } else if (!this.carriesToken(req, queryToken)) {
      return 'unauthorized';
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && !this.sameOriginWrite(req)) return 'forbidden';
    return 'ok';
  }

  /** Set-Cookie header for a page opened with a valid `?token=`. */
  cookie(): string {
    return `${COOKIE}=${this.cookieValue}; HttpOnly; SameSite=Strict; Path=/`;
  }

  private carriesToken(req: IncomingMessage, queryToken: string | null): boolean {
    const header = req.headers.authorization;
    if (header !== undefined && /^Bearer /i.test(header)) return safeEqual(header.slice(7).trim(), this.token!);
    const fromCookie = readCookie(req.headers.cookie, COOKIE);
    if (fromCookie !== null) return safeEqual(fromCookie, this.cookieValue!);
    return queryToken !== null && safeEqual(queryToken, this.token!);
  }

  private sameOriginWrite(req: IncomingMessage): boolean {
    if (req.headers['x-baton'] !== '1') return false;
    const origin = req.headers.origin;
    return origin === undefined || origin.replace(/^https?:\/\//, '') === req.headers.host;
  }
}

/** Constant time whatever the lengths: compares fixed-size digests. */
export function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
