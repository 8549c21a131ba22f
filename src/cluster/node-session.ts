/**
 * A registered node incarnation that keeps its heartbeat going. When a heartbeat finds the
 * node declared dead, everything it runs is aborted (its writes would be refused anyway) and
 * it re-registers as a new incarnation. This main-thread session serves executeResumable and
 * the in-process `memory:` store; Workers on shared stores beat from a worker thread instead.
 */
import type { Logger } from '../logger.js';
import type { NodeRow } from '../store/records.js';
import type { Store } from '../store/store.js';
import { newIncarnation } from './node-identity.js';

export interface NodeSessionOptions {
  label: string;
  tasks: string[];
  heartbeatIntervalMs: number;
  logger: Logger;
  /** Called when the store says this incarnation is dead: abort its work. */
  onDeclaredDead(oldId: string): void;
}

export class NodeSession {
  private node: NodeRow | null = null;
  private timer: NodeJS.Timeout | null = null;
  private beating = false;

  constructor(
    private readonly store: Store,
    private readonly o: NodeSessionOptions,
  ) {}

  get id(): string {
    if (this.node === null) throw new Error('node session not started');
    return this.node.id;
  }
  get label(): string {
    return this.o.label;
  }

  async start(): Promise<void> {
    if (this.node !== null) return;
    this.node = await this.store.registerNode(newIncarnation(this.o.label, this.o.tasks));
    this.timer = setInterval(() => void this.beat(), this.o.heartbeatIntervalMs);
    this.timer.unref();
  }

  /** One heartbeat; exposed so callers can beat right before a decision. */
  async beat(): Promise<void> {
    if (this.node === null || this.beating) return;
    this.beating = true;
    try {
      const alive = await this.store.heartbeat(this.node.id);
      if (!alive) {
        const old = this.node.id;
        this.o.logger.warn('this node was declared dead by the cluster: aborting its jobs and re-registering', { node: this.o.label, incarnation: old });
        this.o.onDeclaredDead(old);
        this.node = await this.store.registerNode(newIncarnation(this.o.label, this.o.tasks));
      }
    } catch (err) {
      this.o.logger.warn('heartbeat failed; will retry', { node: this.o.label, error: (err as Error).message });
    } finally {
      this.beating = false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.node !== null) await this.store.stopNode(this.node.id).catch(() => undefined);
    this.node = null;
  }
}
