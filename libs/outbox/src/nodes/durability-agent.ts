import { Logger } from '@nestjs/common';
import type { ResolvedOutboxOptions } from '../config/resolved-options.js';
import type { PostgresDurableQueueStore } from '../incoming/postgres-durable-queue-store.js';
import type { MessageStore } from '../schema/message-store.js';
import type { PostgresScheduler } from '../scheduling/postgres-scheduler.js';
import type { Leadership } from './leadership.js';

/**
 * Background work on one timer. On every node: run durable-queue messages no live node is running
 * (every recovery interval). On the leader only: release due scheduled messages (every tick), eject
 * nodes that stopped heartbeating and hand their rows to nobody so others recover them (every
 * heartbeat interval), and purge handled rows past their retention in batches (every purge interval).
 */
export class DurabilityAgent {
  private readonly logger = new Logger('Outbox');
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private lastRecovery = 0;
  private lastQueueRecovery = Date.now();
  private lastPurge = 0;
  private leading = false;

  constructor(
    private readonly store: MessageStore,
    private readonly scheduler: PostgresScheduler,
    private readonly leadership: Leadership,
    private readonly queues: PostgresDurableQueueStore,
    private readonly options: ResolvedOutboxOptions,
  ) {}

  /** Whether this node was the leader at its last check. */
  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, this.options.nodes.schedulePollIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  /** One round: queue recovery when due on every node, then the leader's work. */
  async tick(): Promise<void> {
    if (Date.now() - this.lastQueueRecovery >= this.options.nodes.recoveryIntervalMs) {
      this.lastQueueRecovery = Date.now();
      await this.queues.recoverAll();
    }
    try {
      if (!(await this.checkLeadership())) return;
      await this.scheduler.releaseDue();
      const now = Date.now();
      if (now - this.lastRecovery >= this.options.nodes.heartbeatIntervalMs) {
        this.lastRecovery = now;
        await this.recover();
      }
      if (now - this.lastPurge >= this.options.inbox.purgeIntervalMs) {
        this.lastPurge = now;
        await this.purgeHandled();
      }
    } catch (error) {
      this.logger.warn(`durability agent: ${(error as Error).message}`);
    }
  }

  /** Ejects silent nodes and releases rows of nodes no longer registered; returns rows released. */
  async recover(): Promise<number> {
    const manager = this.store.dataSource.manager;
    const ejected = await this.store.nodes.ejectStale(manager, this.options.nodes.staleAfterMs);
    if (ejected.length > 0)
      this.logger.warn(
        `ejected node(s) ${ejected.join(', ')}: no heartbeat for ${this.options.nodes.staleAfterMs} ms`,
      );
    return this.store.incoming.releaseOrphans(manager);
  }

  /**
   * Deletes handled rows past their retention, and batched-inbox claims abandoned for as long, batch
   * by batch; returns how many.
   */
  async purgeHandled(): Promise<number> {
    const { keepHandledMs, purgeBatchSize } = this.options.inbox;
    const manager = this.store.dataSource.manager;
    return (
      (await this.inBatches(() => this.store.incoming.purgeHandled(manager, purgeBatchSize))) +
      (await this.inBatches(() =>
        this.store.incoming.purgeAbandonedClaims(manager, keepHandledMs, purgeBatchSize),
      ))
    );
  }

  /** Repeats `purge` until it deletes less than a full batch; returns the total. */
  private async inBatches(purge: () => Promise<number>): Promise<number> {
    let purged = 0;
    for (;;) {
      const count = await purge();
      purged += count;
      if (count < this.options.inbox.purgeBatchSize) return purged;
    }
  }

  private async checkLeadership(): Promise<boolean> {
    const leads = await this.leadership.check();
    if (leads !== this.leading)
      this.logger.log(leads ? 'this node is now the leader' : 'this node is no longer the leader');
    this.leading = leads;
    return leads;
  }
}
