#!/usr/bin/env node
/**
 * Build step: copies the dashboard's front-end (plain HTML, CSS, ES modules; nothing to
 * compile) from src/dashboard/static to dist/dashboard/static, where the built server reads
 * it. Run after tsc: "build": "tsc -p tsconfig.build.json && node src/dashboard/copy-assets.mjs".
 */
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('./static/', import.meta.url));
const to = fileURLToPath(new URL('../../dist/dashboard/static/', import.meta.url));
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
