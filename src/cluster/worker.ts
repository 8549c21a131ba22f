/**
 * Worker: one node of the cluster. It registers an incarnation, heartbeats (from a thread),
 * runs the failure detector, claims due jobs of the tasks it serves and runs them with
 * checkpoints. On stop (or SIGTERM, see handleSignals) it stops claiming, takes a final
 * checkpoint of each running job and releases it, so another node resumes it at once.
 */
import { EventEmitter } from 'node:events';
import { CheckpointManager } from '../checkpoint/checkpoint-manager.js';
import { BatonError, ErrorCode } from '../errors.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { JobRunner, type RunningJob } from './job-runner.js';
import { NodeSession } from './node-session.js';
import { RecoveryManager } from './recovery-manager.js';
import type { WorkerEvents } from './worker-events.js';
import { normalizeWorkerOptions, type NormalizedWorkerOptions, type WorkerOptions } from './worker-options.js';

export class Worker extends EventEmitter<WorkerEvents> {
  readonly options: NormalizedWorkerOptions;
  private store: Store | null = null;
  private managers = new Map<string, CheckpointManager>();
  private session: NodeSession | null = null;
  private recovery: RecoveryManager | null = null;
  private runner: JobRunner | null = null;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private unwatch: (() => void) | null = null;
  private revokeTimer: NodeJS.Timeout | null = null;

  constructor(options: WorkerOptions) {
    super();
    this.options = normalizeWorkerOptions(options);
  }

  get nodeId(): string {
    return this.options.nodeId;
  }
  /** The current incarnation id (changes when the node re-registers after being declared dead). */
  get incarnationId(): string {
    return this.session?.id ?? '';
  }
  /** Whether this node's leases surely still hold (its last beat is within the timeout). */
  leaseValid(): boolean {
    return this.session?.leaseValid() ?? false;
  }
  get runningJobs(): RunningJob[] {
    return this.runner?.running ?? [];
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'running';
    const o = this.options;
    const store = await openStore(o.store);
    this.store = store;
    for (const task of o.tasks.values()) {
      const strategy = task.strategy ?? o.checkpoint.strategy;
      this.managers.set(task.name, new CheckpointManager({ ...o.checkpoint, strategy, store, nodeId: o.nodeId, logger: o.logger }));
    }
    const recovery = new RecoveryManager({ store, heartbeatIntervalMs: o.heartbeatIntervalMs, heartbeatTimeoutMs: o.heartbeatTimeoutMs, backupGraceMs: o.backupGraceMs, logger: o.logger });
    this.recovery = recovery;
    recovery.on('node:dead', (n) => this.emit('node:dead', n));
    recovery.on('job:requeued', () => this.poke());
    this.runner = new JobRunner(this, store, (task) => this.managers.get(task)!, () => this.poke());
    this.session = new NodeSession(store, {
      label: o.nodeId,
      tasks: [...o.tasks.keys()],
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      heartbeatTimeoutMs: o.heartbeatTimeoutMs,
      url: typeof o.store === 'string' && store.capabilities.crossProcess ? o.store : null,
      maxEventLoopStallMs: o.maxEventLoopStallMs,
      logger: o.logger,
      onBeat: () => recovery.recordOwnBeat(),
      onDeclaredDead: () =>
        this.runner?.abortAll(new BatonError(ErrorCode.LEASE_LOST, `node ${o.nodeId} was declared dead: its jobs were taken over`, { nodeId: o.nodeId })),
      // Without heartbeats the node would be declared dead while it still runs and claims:
      // abort everything and stop (DESIGN: if the heartbeat thread dies, the node exits).
      onFatal: (error) => {
        this.runner?.abortAll(new BatonError(ErrorCode.LEASE_LOST, `node ${o.nodeId} lost its heartbeat: ${error.message}`, { nodeId: o.nodeId }));
        this.emit('fatal', error);
        void this.stop({ timeoutMs: 1000 });
      },
      onReregistered: () => {
        recovery.distrust(); // a node that was declared dead declares nobody dead until it beats steadily again
        this.poke();
      },
    });
    await this.session.start();
    recovery.recordOwnBeat();
    recovery.start();
    this.unwatch = store.watchWork?.(() => this.poke()) ?? null;
    // Cancellations and takeovers of our jobs show up as revoked leases: abort those runs.
    this.revokeTimer = setInterval(() => void this.runner?.abortRevoked(), o.heartbeatIntervalMs);
    this.loop = this.claimLoop();
    o.logger.info(`node ${o.nodeId} started`, { incarnation: this.session.id, tasks: [...o.tasks.keys()], store: store.url });
  }

  /** Wakes the claim loop (new work may be claimable). */
  poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async claimLoop(): Promise<void> {
    const o = this.options;
    const store = this.store!;
    // With notifications this is only the slow backstop poll; without, the short poll.
    const idleMs = store.capabilities.pollIntervalMs;
    while (this.state === 'running') {
      const free = o.concurrency - this.runner!.running.length;
      let claimedAll = false;
      if (free > 0) {
        try {
          const jobs = await store.claimJobs({ nodeId: this.session!.id, nodeLabel: o.nodeId, tasks: [...o.tasks.keys()], limit: free });
          for (const job of jobs) this.runner!.start(job, o.tasks.get(job.task)!);
          claimedAll = jobs.length === free;
        } catch (err) {
          o.logger.warn('claiming jobs failed; will retry', { error: (err as Error).message });
        }
      }
      if (claimedAll || this.state !== 'running') continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idleMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Graceful stop: no more claims; final checkpoint and release of every running job. */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.poke();
    this.recovery?.stop();
    if (this.revokeTimer !== null) clearInterval(this.revokeTimer);
    this.unwatch?.();
    await this.loop;
    await this.runner?.handOff(options.timeoutMs ?? 10_000);
    await this.session?.stop();
    if (typeof this.options.store === 'string') await this.store?.close();
    this.state = 'stopped';
    this.emit('stopped');
  }

  /** Stops gracefully on SIGTERM and SIGINT (handoff), then exits. Returns the uninstaller. */
  handleSignals(exit = true): () => void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.options.logger.info(`${signal}: handing off running jobs`);
      void this.stop().finally(() => exit && process.exit(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }
}
