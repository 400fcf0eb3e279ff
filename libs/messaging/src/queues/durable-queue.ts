import type { Envelope } from '../bus/envelope.js';
import type { HandlerDescriptor } from '../handlers/handler-descriptor.js';
import { BufferedQueue } from './buffered-queue.js';
import type { LocalQueue, QueueItem, QueueWorker } from './local-queue.js';
import type { ResolvedQueueOptions } from './queue-options.js';
import type { DurableQueueStore } from './queue-store.js';

/**
 * A buffered queue whose messages are stored before `enqueue` resolves and marked complete once
 * every handler finished, so a crash loses nothing: stored messages whose run was lost are run again
 * by {@link recover}, at startup and whenever the store asks (see `DurableQueueStore.registerRecovery`).
 */
export class DurableQueue implements LocalQueue {
  private readonly inner: BufferedQueue;
  /** Handler runs not finished per envelope id, from before it is stored until it is completed. */
  private readonly unfinished = new Map<string, number>();
  private recovering: Promise<number> | undefined;
  private closed = false;

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
    // Counted before the rows exist, so a recovery running meanwhile never takes them for lost ones.
    this.count(items, 1);
    try {
      await this.store.enqueue(this.name, envelopes);
    } catch (error) {
      this.count(items, -1);
      throw error;
    }
    await this.inner.enqueue(items);
  }

  /**
   * Runs again what was stored but is not running here (its node died, or the process restarted);
   * resolves with how many messages. Calls made while one is running share it; after close, does nothing.
   */
  recover(batchSize = 1_000): Promise<number> {
    if (this.closed) return Promise.resolve(0);
    this.recovering ??= this.recoverNow(batchSize).finally(() => (this.recovering = undefined));
    return this.recovering;
  }

  inFlight(): string[] {
    return this.inner.inFlight();
  }

  close(timeoutMs: number): Promise<void> {
    this.closed = true;
    return this.inner.close(timeoutMs);
  }

  private async recoverNow(batchSize: number): Promise<number> {
    const stored = await this.store.pending(this.name, batchSize);
    const fresh = stored.filter((envelope) => !this.unfinished.has(envelope.id));
    const items = fresh.flatMap((envelope) =>
      this.handlersOf(envelope).map((handler) => ({ envelope, handler, attempt: 1 })),
    );
    this.count(items, 1);
    await this.inner.enqueue(items);
    return fresh.length;
  }

  private count(items: readonly QueueItem[], delta: 1 | -1): void {
    for (const item of items) {
      const left = (this.unfinished.get(item.envelope.id) ?? 0) + delta;
      if (left > 0) this.unfinished.set(item.envelope.id, left);
      else this.unfinished.delete(item.envelope.id);
    }
  }

  private async finished(item: QueueItem): Promise<void> {
    const id = item.envelope.id;
    const left = (this.unfinished.get(id) ?? 1) - 1;
    if (left > 0) {
      this.unfinished.set(id, left);
      return;
    }
    // Still counted while the row is completed, so a recovery meanwhile does not run it again.
    try {
      await this.store.complete(this.name, id);
    } finally {
      this.unfinished.delete(id);
    }
  }
}
