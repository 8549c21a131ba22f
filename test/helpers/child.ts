/** Runs a TypeScript fixture in a real child process (through tsx) and reports how it ended. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startFixture(name: string, env: Record<string, string>): { child: ChildProcess; done: Promise<ChildResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture(name)], {
    env: { ...process.env, BATON_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ChildResult>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export function runFixture(name: string, env: Record<string, string>): Promise<ChildResult> {
  return startFixture(name, env).done;
}
