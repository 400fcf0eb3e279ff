import { AsyncLocalStorage } from 'node:async_hooks';
import type { InboxDelivery } from '../transactions/ambient-transaction.js';

const storage = new AsyncLocalStorage<InboxDelivery>();

/**
 * The consumed delivery the durable inbox is running handlers for, per async context, in either
 * inbox mode (the batched inbox runs them outside any transaction), so a dead letter written by
 * those handlers knows the consumer and topic it came from.
 */
export const InboxDeliveries = {
  /** The delivery of this async context, if any. */
  current(): InboxDelivery | undefined {
    return storage.getStore();
  },
  /** Runs `work` as the handling of `delivery`. */
  run<T>(delivery: InboxDelivery, work: () => T): T {
    return storage.run(delivery, work);
  },
};
