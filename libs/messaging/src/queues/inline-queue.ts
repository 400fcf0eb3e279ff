import type { LocalQueue, QueueItem, QueueWorker } from './local-queue.js';

/** Runs handlers inside the publisher's await, one after another. */
export class InlineQueue implements LocalQueue {
  private running = 0;

  constructor(
    readonly name: string,
    private readonly worker: QueueWorker,
  ) {}

  async enqueue(items: readonly QueueItem[]): Promise<void> {
    for (const item of items) await this.runToEnd(item);
  }

  inFlight(): string[] {
    return this.running > 0 ? [`queue ${this.name}: ${this.running} inline execution(s)`] : [];
  }

  async close(): Promise<void> {}

  private async runToEnd(item: QueueItem): Promise<void> {
    this.running++;
    try {
      let next: QueueItem | undefined = item;
      while (next) next = await this.worker(next, this.name);
    } finally {
      this.running--;
    }
  }
}
