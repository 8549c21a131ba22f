/**
 * A registered node incarnation that keeps its heartbeat going. When a heartbeat finds the
 * node declared dead, everything it runs is aborted (its writes would be refused anyway) and
 * it re-registers as a new incarnation. Workers and executeResumable both use it; beats come
 * from a thread on shared stores, from the main thread for `memory:` and Store instances.
 */
import type { Logger } from '../logger.js';
import type { NodeRow } from '../store/records.js';
import type { Store } from '../store/store.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { newIncarnation } from './node-identity.js';

export interface NodeSessionOptions {
  label: string;
  tasks: string[];
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  /** Store URL for a heartbeat thread (a blocked event loop must not look dead); null beats on the main thread. */
  url: string | null;
  maxEventLoopStallMs?: number;
  /** Let the process exit while the session beats (scripts using executeResumable). @defaultValue false */
  unref?: boolean;
  logger: Logger;
  /** Called when the store says this incarnation is dead: abort its work. */
  onDeclaredDead(oldId: string): void;
  /** Called after the node came back as a new incarnation. */
  onReregistered?(newId: string): void;
  /** Called after each successful beat. */
  onBeat?(): void;
  /** Called when heartbeats can no longer be sent (the heartbeat thread died). */
  onFatal?(error: Error): void;
}

export class NodeSession {
  private node: NodeRow | null = null;
  private heartbeat: Heartbeat | null = null;

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
  /** Whether the lease is surely still held (a beat succeeded within the heartbeat timeout). */
  leaseValid(): boolean {
    return this.heartbeat?.leaseValid() ?? false;
  }

  async start(): Promise<void> {
    if (this.node !== null) return;
    this.node = await this.store.registerNode(newIncarnation(this.o.label, this.o.tasks));
    this.heartbeat = startHeartbeat(
      { store: this.store, url: this.o.url, nodeId: this.node.id, intervalMs: this.o.heartbeatIntervalMs, maxStallMs: this.o.maxEventLoopStallMs ?? 300_000, leaseMs: this.o.heartbeatTimeoutMs, unref: this.o.unref ?? false },
      {
        onBeat: () => this.o.onBeat?.(),
        onDead: (id) => void this.reregister(id),
        onError: (message) => this.o.logger.warn('heartbeat failed; will retry', { node: this.o.label, error: message }),
        onFatal: (error) => {
          this.o.logger.error(`node ${this.o.label} cannot heartbeat any more: ${error.message}`);
          this.o.onFatal?.(error);
        },
        onStalled: (ms) => this.o.logger.error(`event loop stalled for ${ms} ms: heartbeats stopped so the cluster recovers this node's jobs`, { node: this.o.label }),
      },
    );
  }

  private async reregister(oldId: string): Promise<void> {
    if (this.node === null || this.node.id !== oldId) return;
    this.o.logger.warn('this node was declared dead by the cluster: aborting its jobs and re-registering', { node: this.o.label, incarnation: oldId });
    this.o.onDeclaredDead(oldId);
    this.node = await this.store.registerNode(newIncarnation(this.o.label, this.o.tasks));
    this.heartbeat?.setNode(this.node.id);
    this.o.onReregistered?.(this.node.id);
  }

  async stop(): Promise<void> {
    await this.heartbeat?.stop();
    this.heartbeat = null;
    if (this.node !== null) await this.store.stopNode(this.node.id).catch(() => undefined);
    this.node = null;
  }
}
