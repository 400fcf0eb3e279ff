import { Logger } from '@nestjs/common';
import type { LocalQueue, QueueItem, QueueWorker } from './local-queue.js';
import type { ResolvedQueueOptions } from './queue-options.js';

/** Hooks a durable store adds around a buffered queue. */
export interface BufferedQueueHooks {
  /** Runs once an item is finished for good (a durable queue marks it handled). */
  afterFinish?(item: QueueItem): Promise<void>;
}

/**
 * Runs handlers in the background from a bounded buffer with fixed parallelism. With
 * `orderedByKey`, items sharing a partition key run strictly one after another in arrival order,
 * while other keys keep the remaining slots busy.
 */
export class BufferedQueue implements LocalQueue {
  private readonly pending: QueueItem[] = [];
  private readonly busyKeys = new Set<string>();
  private readonly running = new Set<QueueItem>();
  private readonly roomWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly logger = new Logger('Messaging');

  constructor(
    readonly name: string,
    private readonly options: ResolvedQueueOptions,
    private readonly worker: QueueWorker,
    private readonly hooks: BufferedQueueHooks = {},
  ) {}

  async enqueue(items: readonly QueueItem[]): Promise<void> {
    if (this.closed) throw new Error(`Local queue '${this.name}' is closed`);
    for (const item of items) {
      while (this.pending.length >= this.options.capacity)
        await new Promise<void>((r) => this.roomWaiters.push(r));
      this.pending.push(item);
    }
    this.pump();
  }

  inFlight(): string[] {
    return [...this.running, ...this.pending].map(
      (item) =>
        `queue ${this.name}: ${item.envelope.type} ${item.envelope.id} → ${item.handler.id}${this.running.has(item) ? ' (running)' : ''}`,
    );
  }

  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    if (this.running.size === 0 && this.pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private keyOf(item: QueueItem): string | undefined {
    return this.options.orderedByKey ? item.envelope.partitionKey : undefined;
  }

  private pump(): void {
    for (let index = 0; index < this.pending.length && this.running.size < this.options.parallelism;) {
      const item = this.pending[index]!;
      const key = this.keyOf(item);
      if (key !== undefined && this.busyKeys.has(key)) {
        index++;
        continue;
      }
      this.pending.splice(index, 1);
      this.roomWaiters.shift()?.();
      this.start(item, key);
    }
    if (this.running.size === 0 && this.pending.length === 0)
      this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  private start(item: QueueItem, key: string | undefined): void {
    this.running.add(item);
    if (key !== undefined) this.busyKeys.add(key);
    void this.run(item)
      .catch((error: Error) =>
        this.logger.error(`queue ${this.name}: ${item.handler.id} could not finish: ${error.message}`),
      )
      .finally(() => {
        this.running.delete(item);
        if (key !== undefined) this.busyKeys.delete(key);
        this.pump();
      });
  }

  private async run(item: QueueItem): Promise<void> {
    const requeued = await this.worker(item, this.name);
    if (requeued) {
      this.pending.push(requeued);
      return;
    }
    await this.hooks.afterFinish?.(item);
  }
}
