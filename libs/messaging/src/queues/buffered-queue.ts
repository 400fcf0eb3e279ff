import { Logger } from '@nestjs/common';
import { runDetached } from './detached-context.js';
import type { LocalQueue, QueueItem, QueueWorker } from './local-queue.js';
import type { ResolvedQueueOptions } from './queue-options.js';

/** Hooks a durable store adds around a buffered queue. */
export interface BufferedQueueHooks {
  /** Runs once an item is finished for good (a durable queue marks it handled). */
  afterFinish?(item: QueueItem): Promise<void>;
}

/**
 * Runs handlers in the background from a bounded buffer with fixed parallelism. Items wait in
 * lanes: with `orderedByKey`, one lane per partition key, run strictly one item after another in
 * arrival order; otherwise one lane per item. Free slots go to ready lanes round robin, so a key
 * with a long backlog gets one slot while other keys keep the rest busy; `maxConcurrentPerTenant`
 * caps the slots one tenant may hold at once. Handlers run in a fresh async context, never in the
 * publisher's (see `runDetached`).
 */
export class BufferedQueue implements LocalQueue {
  private readonly lanes = new Map<string, QueueItem[]>();
  /** Lanes with waiting items and nothing running, in the order they get the next free slot. */
  private readonly ready: string[] = [];
  private readonly busyLanes = new Set<string>();
  private readonly running = new Set<QueueItem>();
  private readonly runningPerTenant = new Map<string, number>();
  private readonly roomWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly logger = new Logger('Messaging');
  private waiting = 0;
  private unkeyedLanes = 0;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly options: ResolvedQueueOptions,
    private readonly worker: QueueWorker,
    private readonly hooks: BufferedQueueHooks = {},
  ) {}

  async enqueue(items: readonly QueueItem[]): Promise<void> {
    if (this.closed) throw new Error(`Local queue '${this.name}' is closed`);
    for (const item of items) {
      while (this.waiting >= this.options.capacity) await new Promise<void>((r) => this.roomWaiters.push(r));
      this.add(item);
    }
    this.pump();
  }

  inFlight(): string[] {
    const describe = (item: QueueItem, state: string) =>
      `queue ${this.name}: ${item.envelope.type} ${item.envelope.id} → ${item.handler.id}${state}`;
    return [
      ...[...this.running].map((item) => describe(item, ' (running)')),
      ...[...this.lanes.values()].flat().map((item) => describe(item, '')),
    ];
  }

  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    if (this.running.size === 0 && this.waiting === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private laneOf(item: QueueItem): string {
    const key = this.options.orderedByKey ? item.envelope.partitionKey : undefined;
    return key === undefined ? `\u0000${this.unkeyedLanes++}` : key;
  }

  private add(item: QueueItem, lane = this.laneOf(item)): void {
    const items = this.lanes.get(lane);
    if (items) items.push(item);
    else this.lanes.set(lane, [item]);
    if (!items && !this.busyLanes.has(lane)) this.ready.push(lane);
    this.waiting++;
  }

  private tenantIsFull(item: QueueItem): boolean {
    const tenant = item.envelope.tenantId;
    return (
      tenant !== undefined && (this.runningPerTenant.get(tenant) ?? 0) >= this.options.maxConcurrentPerTenant
    );
  }

  private pump(): void {
    for (let index = 0; index < this.ready.length && this.running.size < this.options.parallelism;) {
      const lane = this.ready[index]!;
      const head = this.lanes.get(lane)![0]!;
      if (this.tenantIsFull(head)) {
        index++;
        continue;
      }
      this.ready.splice(index, 1);
      this.take(lane);
      this.start(head, lane);
    }
    if (this.running.size === 0 && this.waiting === 0)
      this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  private take(lane: string): void {
    const items = this.lanes.get(lane)!;
    items.shift();
    if (items.length === 0) this.lanes.delete(lane);
    this.waiting--;
    this.roomWaiters.shift()?.();
  }

  private start(item: QueueItem, lane: string): void {
    const tenant = item.envelope.tenantId;
    this.running.add(item);
    this.busyLanes.add(lane);
    if (tenant !== undefined) this.runningPerTenant.set(tenant, (this.runningPerTenant.get(tenant) ?? 0) + 1);
    void runDetached(() => this.run(item, lane))
      .catch((error: Error) =>
        this.logger.error(`queue ${this.name}: ${item.handler.id} could not finish: ${error.message}`),
      )
      .finally(() => {
        this.running.delete(item);
        this.busyLanes.delete(lane);
        if (tenant !== undefined) this.runningPerTenant.set(tenant, this.runningPerTenant.get(tenant)! - 1);
        if (this.lanes.has(lane)) this.ready.push(lane);
        this.pump();
      });
  }

  private async run(item: QueueItem, lane: string): Promise<void> {
    const requeued = await this.worker(item, this.name);
    if (requeued) {
      this.add(
        requeued,
        this.options.orderedByKey && item.envelope.partitionKey !== undefined ? lane : this.laneOf(requeued),
      );
      return;
    }
    await this.hooks.afterFinish?.(item);
  }
}
