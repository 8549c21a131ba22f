/**
 * How the demo shows what happens: timestamped lines, plus one live progress bar per node
 * redrawn under them when stdout is a terminal.
 */
import { percent, progressBar } from '../format.js';

export class DemoView {
  private readonly bars = new Map<string, string>();
  private drawn = 0;
  private readonly started = Date.now();

  constructor(private readonly tty: boolean) {}

  line(text: string): void {
    const stamp = `${((Date.now() - this.started) / 1000).toFixed(1).padStart(6)}s`;
    this.clearBars();
    process.stdout.write(`${stamp}  ${text}\n`);
    this.drawBars();
  }

  heading(text: string): void {
    this.clearBars();
    process.stdout.write(`\n── ${text} ${'─'.repeat(Math.max(0, 74 - text.length))}\n`);
    this.drawBars();
  }

  bar(node: string, progress: number, label: string): void {
    if (!this.tty) return;
    this.bars.set(node, `${node.padEnd(7)} ${progressBar(progress, 30)} ${percent(progress).padStart(4)}  ${label}`);
    this.clearBars();
    this.drawBars();
  }

  forget(node: string, label: string): void {
    if (!this.tty) return;
    this.bars.set(node, `${node.padEnd(7)} ${label}`);
  }

  done(): void {
    this.clearBars();
    this.bars.clear();
  }

  private clearBars(): void {
    if (this.drawn > 0) process.stdout.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private drawBars(): void {
    if (!this.tty || this.bars.size === 0) return;
    for (const text of this.bars.values()) process.stdout.write(`${text}\n`);
    this.drawn = this.bars.size;
  }
}
