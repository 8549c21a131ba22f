/**
 * Who a node is. The label (`nodeId` option) is for people; each process start registers a
 * fresh incarnation id that owns heartbeats and leases, so a node declared dead never comes
 * back: a zombie re-registers as a new incarnation. Pid plus the OS's process start time tell
 * whether a holder on this host is really gone (a pid alone can be reused).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { NodeRegistration } from '../store/records.js';

export function defaultNodeLabel(): string {
  return `${hostname()}-${process.pid}`;
}

/** Start time of a process in clock ticks since boot (Linux /proc), or null where unknown. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** True when the process that registered as (pid, pidStart) on this host no longer runs. */
export function isLocalProcessGone(pid: number, pidStart: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  if (pidStart === null) return false;
  const now = processStartTime(pid);
  return now !== null && now !== pidStart;
}

export function newIncarnation(label: string, tasks: string[]): NodeRegistration {
  return { id: randomUUID(), label, host: hostname(), pid: process.pid, pidStart: processStartTime(process.pid), tasks };
}

export function isThisHost(host: string): boolean {
  return host === hostname();
}
