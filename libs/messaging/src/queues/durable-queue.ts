import type { Envelope } from '../bus/envelope.js';
import type { HandlerDescriptor } from '../handlers/handler-descriptor.js';
import { BufferedQueue } from './buffered-queue.js';
import type { LocalQueue, QueueItem, QueueWorker } from './local-queue.js';
import type { ResolvedQueueOptions } from './queue-options.js';
import type { DurableQueueStore } from './queue-store.js';

/**
 * A buffered queue whose messages are stored before `enqueue` resolves and marked complete once
 * every handler finished, so a crash loses nothing: stored messages are run again at startup.
 */
export class DurableQueue implements LocalQueue {
  private readonly inner: BufferedQueue;
  private readonly unfinished = new Map<string, number>();

  constructor(
    readonly name: string,
    options: ResolvedQueueOptions,
    worker: QueueWorker,
    private readonly store: DurableQueueStore,
    private readonly handlersOf: (envelope: Envelope) => readonly HandlerDescriptor[],
  ) {
    this.inner = new BufferedQueue(name, options, worker, { afterFinish: (item) => this.finished(item) });
  }

  async enqueue(items: readonly QueueItem[]): Promise<void> {
    const envelopes = [...new Map(items.map((item) => [item.envelope.id, item.envelope])).values()];
    await this.store.enqueue(this.name, envelopes);
    await this.accept(items);
  }

  /** Runs again what was stored but not completed before the last shutdown or crash. */
  async recover(batchSize = 1_000): Promise<number> {
    const stored = await this.store.pending(this.name, batchSize);
    const fresh = stored.filter((envelope) => !this.unfinished.has(envelope.id));
    await this.accept(
      fresh.flatMap((envelope) =>
        this.handlersOf(envelope).map((handler) => ({ envelope, handler, attempt: 1 })),
      ),
    );
    return fresh.length;
  }

  inFlight(): string[] {
    return this.inner.inFlight();
  }

  close(timeoutMs: number): Promise<void> {
    return this.inner.close(timeoutMs);
  }

  private accept(items: readonly QueueItem[]): Promise<void> {
    for (const item of items)
      this.unfinished.set(item.envelope.id, (this.unfinished.get(item.envelope.id) ?? 0) + 1);
    return this.inner.enqueue(items);
  }

  private async finished(item: QueueItem): Promise<void> {
    const left = (this.unfinished.get(item.envelope.id) ?? 1) - 1;
    if (left > 0) {
      this.unfinished.set(item.envelope.id, left);
      return;
    }
    this.unfinished.delete(item.envelope.id);
    await this.store.complete(this.name, item.envelope.id);
  }
}
