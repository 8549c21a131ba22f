/** Output helpers of the CLI: tables, durations, progress bars, JSON. Plain text, no dependencies. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
  return `${Math.floor(ms / 3_600_000)}h${Math.round((ms % 3_600_000) / 60_000)}m`;
}

export function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(2)} GiB`;
}

export function percent(p: number): string {
  return `${(p * 100).toFixed(p < 1 && p > 0.999 ? 1 : 0)}%`;
}

export function progressBar(p: number, width = 24): string {
  const filled = Math.max(0, Math.min(width, Math.round(p * width)));
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** Left-aligned columns sized to their content. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** JSON for scripts: Buffers as base64, BigInt as strings, Maps and Sets as arrays. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Map) return [...v.entries()];
      if (v instanceof Set) return [...v.values()];
      if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      return v;
    },
    2,
  );
}

/** Parses "30s", "15m", "12h", "7d", "500ms" into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (m === null) throw new Error(`"${text}" is not a duration: use a number and a unit, like 30s, 15m, 12h or 7d`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}
