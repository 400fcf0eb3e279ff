// Queued handlers start in a fresh async context: they see their message's context, never the
// publisher's AsyncLocalStorage state (its transaction, its CLS store).
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import {
  DomainEvent,
  EventHandler,
  MessageContext,
  type DurableQueueStore,
  type Envelope,
  type QueueMode,
} from '@momentum/messaging';
import { startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

/** Stands for any request-scoped state a publisher holds: a CLS transaction, a request id. */
const publisherState = new AsyncLocalStorage<string>();

@DomainEvent()
class Noted {
  constructor(readonly label: string) {}
}

@Injectable()
class StateObserver {
  readonly seen: { label: string; state: string | undefined; contextId: string }[] = [];
  @EventHandler()
  noted(event: Noted, context: MessageContext): void {
    this.seen.push({ label: event.label, state: publisherState.getStore(), contextId: context.id });
  }
}

/** A durable store kept in memory. */
class MemoryQueueStore implements DurableQueueStore {
  async enqueue(): Promise<void> {}
  async complete(): Promise<void> {}
  async pending(): Promise<Envelope[]> {
    return [];
  }
}

describe('queued handlers and async context', () => {
  let harness: MessagingTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it.each<QueueMode>(['buffered', 'durable'])(
    'a %s queue runs the handler without the publisher’s async-local state, with its message context',
    async (mode) => {
      harness = await startMessagingApp([StateObserver], {
        durableQueueStore: new MemoryQueueStore(),
        queues: { 'domain-events': { mode } },
      });
      const observer = harness.app.get(StateObserver);
      await publisherState.run('publisher-transaction', () =>
        harness!.bus.publish(new Noted('a'), { id: 'a-id' }),
      );
      await publisherState.run('another-request', async () => {
        await harness!.bus.publish(new Noted('b'), { id: 'b-id' });
        await harness!.bus.publish(new Noted('c'), { id: 'c-id' });
      });
      await harness.waitFor(() => observer.seen.length === 3);
      expect(observer.seen.sort((x, y) => x.label.localeCompare(y.label))).toEqual([
        { label: 'a', state: undefined, contextId: 'a-id' },
        { label: 'b', state: undefined, contextId: 'b-id' },
        { label: 'c', state: undefined, contextId: 'c-id' },
      ]);
    },
  );

  it('an inline queue still runs inside the publisher’s await, in its context', async () => {
    harness = await startMessagingApp([StateObserver], { queues: { 'domain-events': { mode: 'inline' } } });
    const observer = harness.app.get(StateObserver);
    await publisherState.run('publisher-transaction', () =>
      harness!.bus.publish(new Noted('a'), { id: 'a-id' }),
    );
    expect(observer.seen).toEqual([{ label: 'a', state: 'publisher-transaction', contextId: 'a-id' }]);
  });
});
