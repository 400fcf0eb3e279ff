import { AsyncResource } from 'node:async_hooks';

/**
 * The async context of this module's first evaluation, outside any caller: no request, no
 * publisher's transaction, no CLS store.
 */
const root = new AsyncResource('momentum.local-queue');

/**
 * Runs `work` in a fresh async context instead of the caller's, so a handler started from a queue
 * sees none of the publisher's `AsyncLocalStorage` state (its transaction, its CLS context); the
 * executor gives it the message's own context.
 */
export function runDetached<T>(work: () => T): T {
  return root.runInAsyncScope(work);
}
