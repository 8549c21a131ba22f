/**
 * The front-end: plain HTML, CSS and ES modules read once from `static/` next to this module
 * (src/dashboard/static under tsx; dist/dashboard/static after the build copies it). Only
 * files found there at start-up are served, by exact name, so no request path reaches the disk.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { BatonError, ErrorCode } from '../errors.js';
import { SECURITY_HEADERS } from './http.js';

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

export class StaticFiles {
  private readonly files = new Map<string, { type: string; body: Buffer }>();

  constructor(dir = STATIC_DIR) {
    if (!existsSync(`${dir}/index.html`)) {
      throw new BatonError(
        ErrorCode.INVALID_OPTION,
        `the dashboard's page is missing from ${dir}: rebuild with \`npm run build\`, which copies src/dashboard/static there`,
      );
    }
    for (const name of readdirSync(dir)) {
      const type = TYPES[name.slice(name.lastIndexOf('.') + 1)];
      if (type !== undefined) this.files.set(name, { type, body: readFileSync(`${dir}/${name}`) });
    }
  }

  /** Serves `name` if it is one of the files; false otherwise. */
  serve(res: ServerResponse, name: string, extraHeaders: Record<string, string> = {}): boolean {
    const file = this.files.get(name);
    if (file === undefined) return false;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': file.type,
      'Content-Length': file.body.length,
      'Cache-Control': 'no-cache',
      ...extraHeaders,
    });
    res.end(file.body);
    return true;
  }
}
