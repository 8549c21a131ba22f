/**
 * Events name nodes by label; a label has one incarnation per process start. These pick the
 * incarnation an event is about, by the rule the dashboard uses everywhere: the owner a
 * takeover replaced is the incarnation of that label declared dead (or stopped) last before it.
 */
import type { NodeRow } from '../store/records.js';

export function deadOwner(nodes: readonly NodeRow[], label: string | null | undefined, at: number): NodeRow | null {
  let best: NodeRow | null = null;
  for (const n of nodes) {
    if (n.label !== label || n.deadAt === null || n.deadAt > at) continue;
    if (best === null || n.deadAt > best.deadAt!) best = n;
  }
  return best;
}

/** Takeover time: from the dead owner's last heartbeat to the takeover; null if the owner is unknown. */
export function takeoverMs(nodes: readonly NodeRow[], fromNode: string | null | undefined, at: number): number | null {
  const owner = deadOwner(nodes, fromNode, at);
  return owner === null ? null : Math.max(0, at - owner.heartbeatAt);
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
