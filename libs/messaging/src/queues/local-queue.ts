import type { ActivitySource } from '../activity/activity-source.js';
import type { Envelope } from '../bus/envelope.js';
import type { HandlerDescriptor } from '../handlers/handler-descriptor.js';

/** One handler to run for one message. */
export interface QueueItem {
  readonly envelope: Envelope;
  readonly handler: HandlerDescriptor;
  /** The attempt this run starts at (above 1 after a requeue). */
  readonly attempt: number;
}

/** Runs one queue item; resolves with the item to put back at the end of the queue, if requeued. Supplied by the bus. */
export type QueueWorker = (item: QueueItem, queue: string) => Promise<QueueItem | undefined>;

/** A named local queue that runs handlers for messages published in this process. */
export interface LocalQueue extends ActivitySource {
  readonly name: string;
  /** Accepts items; resolves when they are accepted (buffered) or finished (inline). */
  enqueue(items: readonly QueueItem[]): Promise<void>;
  /** Stops accepting work and waits (bounded) for what is queued or running. */
  close(timeoutMs: number): Promise<void>;
}
