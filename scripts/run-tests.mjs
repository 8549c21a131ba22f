#!/usr/bin/env node
/**
 * Runs the test suite with Node's own test runner (through tsx for TypeScript). Files run one
 * at a time: the multi-process tests kill and pause real processes and must not compete for
 * the two cores with other files. `BACKENDS=sqlite,postgres` narrows the backends; extra
 * arguments narrow the files (`npm test -- test/codec.test.ts`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const args = process.argv.slice(2);
const files = args.length > 0 ? args : readdirSync('test').filter((f) => f.endsWith('.test.ts')).sort().map((f) => `test/${f}`);

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files],
  { stdio: 'inherit', env: { BATON_LOG_LEVEL: 'warn', ...process.env } },
);
process.exit(result.status ?? 1);
