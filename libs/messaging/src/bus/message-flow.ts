import { AsyncLocalStorage } from 'node:async_hooks';
import type { Envelope } from './envelope.js';

const currentEnvelope = new AsyncLocalStorage<Envelope>();

/**
 * The message whose handler is running, if any: messages published from inside a handler (through
 * an injected `MessageBus` too, not only the context's bus) join its flow.
 */
export const MessageFlow = {
  /** The envelope being handled in this async context. */
  current(): Envelope | undefined {
    return currentEnvelope.getStore();
  },
  /** Runs `work` as part of `envelope`'s flow. */
  run<T>(envelope: Envelope, work: () => T): T {
    return currentEnvelope.run(envelope, work);
  },
};
