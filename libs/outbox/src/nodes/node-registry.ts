import { Logger } from '@nestjs/common';
import type { ResolvedOutboxOptions } from '../config/resolved-options.js';
import type { MessageStore } from '../schema/message-store.js';
import type { NodeIdentity } from './node-identity.js';

/**
 * Registers this process in the `nodes` table, records a heartbeat on an interval, and at
 * shutdown unregisters and gives its rows back. A node that stops heartbeating is ejected by the
 * leader, whose recovery then hands its rows to the others.
 */
export class NodeRegistry {
  private readonly logger = new Logger('Outbox');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: MessageStore,
    private readonly node: NodeIdentity,
    private readonly options: ResolvedOutboxOptions['nodes'],
  ) {}

  async register(): Promise<void> {
    this.node.id = await this.store.nodes.register(this.store.dataSource.manager, this.node.name);
    this.timer = setInterval(() => void this.heartbeat(), this.options.heartbeatIntervalMs);
    this.timer.unref();
  }

  async unregister(): Promise<void> {
    clearInterval(this.timer);
    if (this.node.id === 0) return;
    const manager = this.store.dataSource.manager;
    await this.store.incoming.releaseOwner(manager, this.node.id);
    await this.store.nodes.remove(manager, this.node.id);
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.store.nodes.heartbeat(this.store.dataSource.manager, this.node.id, this.node.name);
    } catch (error) {
      this.logger.warn(`node ${this.node.id}: heartbeat failed: ${(error as Error).message}`);
    }
  }
}
