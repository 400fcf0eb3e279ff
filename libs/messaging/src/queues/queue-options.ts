/** How a local queue runs its handlers. */
export type QueueMode = 'inline' | 'buffered' | 'durable';

/** Options of one local queue. */
export interface QueueOptions {
  /**
   * `inline`: handlers run inside the publisher's await. `buffered` (default): handlers run in the
   * background from a bounded in-memory buffer. `durable`: like buffered, but each message is
   * stored first (needs a `DurableQueueStore`, provided by the outbox module).
   */
  readonly mode?: QueueMode;
  /** Handlers running at once (buffered and durable). Default 4. */
  readonly parallelism?: number;
  /** Messages held before `publish` waits for room (buffered and durable). Default 10,000. */
  readonly capacity?: number;
  /** Run messages with the same partition key one after another, in publish order. Default true. */
  readonly orderedByKey?: boolean;
  /**
   * Most handlers of one tenant running at once (buffered and durable), so one tenant's burst
   * cannot take every slot. Default: no limit beyond `parallelism`.
   */
  readonly maxConcurrentPerTenant?: number;
}

/** Queue options with every default applied. */
export type ResolvedQueueOptions = Required<QueueOptions>;

/** Defaults of {@link QueueOptions}. */
export const QUEUE_DEFAULTS: ResolvedQueueOptions = {
  mode: 'buffered',
  parallelism: 4,
  capacity: 10_000,
  orderedByKey: true,
  maxConcurrentPerTenant: Number.POSITIVE_INFINITY,
};
