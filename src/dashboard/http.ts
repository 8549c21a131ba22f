/** Small response helpers: JSON with safe headers, errors as `{ error, code }`. */
import type { ServerResponse } from 'node:http';
import { isBatonError } from '../errors.js';

/** Sent with every response: the page loads only its own scripts, and never inside a frame. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

const STATUS_OF: Partial<Record<string, number>> = {
  JOB_NOT_FOUND: 404,
  INVALID_STATE: 409,
  CHECKPOINT_CORRUPT: 422,
  CHECKPOINT_VERSION: 422,
  STORE_UNAVAILABLE: 503,
};

/** Maps an error to a status: by its code (other BatonErrors 400), anything else 500. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message, code: err.code ?? null });
  if (isBatonError(err)) return sendJson(res, STATUS_OF[err.code] ?? 400, { error: err.message, code: err.code });
  sendJson(res, 500, { error: err instanceof Error ? err.message : String(err), code: null });
}
