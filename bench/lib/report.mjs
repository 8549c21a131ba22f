/**
 * One result per benchmark: results/<name>.json (full runs; quick runs go to results/quick/),
 * holding the machine, every figure's spread, the headline ratios, and the tables that are
 * printed as markdown.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BENCH_DIR, MODE, QUICK } from './env.mjs';
import { machineInfo } from './machine.mjs';
import { fmt, fmtRatio } from './stats.mjs';

/** One markdown row of a headline figure (also used by the suite's summary). */
export function headlineRow(h) {
  const value = h.unit ? `${fmt(h.value)} ${h.unit}` : fmtRatio(h.value);
  const goal =
    h.goal === undefined
      ? ''
      : `${h.higherIsBetter ? '≥' : '≤'} ${h.goal}${h.unit && !h.goal.toString().endsWith('×') ? ` ${h.unit}` : h.unit ? '' : '×'} ${h.met === undefined ? '' : h.met ? '(met)' : '(**missed**)'}`;
  return `| ${h.label} | ${value}${h.detail ? ` (${h.detail})` : ''} | ${goal} |`;
}

export const RESULTS_DIR = join(BENCH_DIR, 'results', ...(QUICK ? ['quick'] : []));

/** Collects what a benchmark measured; `finish()` writes and prints it. */
export class Report {
  constructor(name, title) {
    this.name = name;
    this.title = title;
    this.startedAt = new Date().toISOString();
    this.t0 = performance.now();
    this.figures = {};
    this.headline = [];
    this.sections = [];
    this.notes = [];
    this.machine = machineInfo();
  }

  /** A figure: a summary from lib/stats (or any plain value). */
  figure(id, value) {
    this.figures[id] = value;
    return value;
  }

  /**
   * A headline figure: a ratio (×), or a value in `unit`, with its goal when the issue sets one
   * (the value must stay ≤ goal, or ≥ with `higherIsBetter`).
   */
  ratio(id, label, value, { goal, higherIsBetter = false, detail, unit } = {}) {
    const met =
      goal === undefined || !Number.isFinite(value) ? undefined : higherIsBetter ? value >= goal : value <= goal;
    this.headline.push({ id, label, value, unit, goal, higherIsBetter, met, detail });
  }

  table(title, columns, rows, note) {
    this.sections.push({ title, columns, rows, note });
  }

  note(text) {
    this.notes.push(text);
  }

  markdown() {
    const lines = [`## ${this.title}`, ''];
    if (this.headline.length > 0) {
      lines.push('| Headline | Value | Goal |', '| --- | --- | --- |');
      for (const h of this.headline) lines.push(headlineRow(h));
      lines.push('');
    }
    for (const s of this.sections) {
      lines.push(`**${s.title}**`, '');
      if (s.note) lines.push(s.note, '');
      lines.push(`| ${s.columns.join(' | ')} |`, `| ${s.columns.map(() => '---').join(' | ')} |`);
      for (const r of s.rows) lines.push(`| ${r.join(' | ')} |`);
      lines.push('');
    }
    for (const n of this.notes) lines.push(`- ${n}`);
    if (this.notes.length > 0) lines.push('');
    return lines.join('\n');
  }

  async finish() {
    const durationS = Number(((performance.now() - this.t0) / 1000).toFixed(1));
    const out = {
      name: this.name,
      title: this.title,
      mode: MODE,
      startedAt: this.startedAt,
      durationS,
      machine: await this.machine,
      headline: this.headline,
      figures: this.figures,
      sections: this.sections,
      notes: this.notes,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${this.name}.json`);
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(`${this.markdown()}\n_${this.name}: ${durationS} s, written to ${file}_\n\n`);
    return out;
  }
}
