import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { DomainEvent, EventHandler, type DurableQueueStore, type Envelope } from '@momentum/messaging';
import { deferred, startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

/** A store kept in a Map, standing in for the outbox's PostgreSQL store behind the same interface. */
class MapQueueStore implements DurableQueueStore {
  readonly rows = new Map<string, { queue: string; envelope: Envelope; completed: boolean }>();
  async enqueue(queue: string, envelopes: readonly Envelope[]): Promise<void> {
    for (const envelope of envelopes) this.rows.set(envelope.id, { queue, envelope, completed: false });
  }
  async complete(_queue: string, id: string): Promise<void> {
    this.rows.get(id)!.completed = true;
  }
  async pending(queue: string, limit: number): Promise<Envelope[]> {
    return [...this.rows.values()]
      .filter((row) => row.queue === queue && !row.completed)
      .slice(0, limit)
      .map((row) => row.envelope);
  }
}

@DomainEvent()
class Durable {
  constructor(readonly label: string) {}
}

const gate = { current: undefined as Promise<void> | undefined };

@Injectable()
class DurableHandlers {
  readonly handled: string[] = [];
  @EventHandler()
  async one(event: Durable): Promise<void> {
    await gate.current;
    this.handled.push(`one:${event.label}`);
  }
  @EventHandler()
  async two(event: Durable): Promise<void> {
    this.handled.push(`two:${event.label}`);
  }
}

describe('durable local queues', () => {
  let harness: MessagingTestApp | undefined;
  afterEach(async () => {
    gate.current = undefined;
    await harness?.close();
    harness = undefined;
  });

  it('stores a message before publish returns and completes it only after every handler finished', async () => {
    const store = new MapQueueStore();
    const hold = deferred();
    gate.current = hold.promise;
    harness = await startMessagingApp([DurableHandlers], {
      durableQueueStore: store,
      queues: { 'domain-events': { mode: 'durable' } },
    });
    await harness.bus.publish(new Durable('a'));
    const [row] = store.rows.values();
    expect(row).toMatchObject({ queue: 'domain-events', completed: false });
    await harness.waitFor(() => harness!.app.get(DurableHandlers).handled.includes('two:a'));
    expect(row!.completed).toBe(false);
    hold.resolve();
    await harness.waitFor(() => row!.completed);
  });

  it('runs stored but unfinished messages again at startup', async () => {
    const store = new MapQueueStore();
    await store.enqueue('domain-events', [
      {
        id: 'left-over',
        type: 'Durable',
        message: new Durable('recovered'),
        correlationId: 'left-over',
        source: '/x/y',
        time: new Date().toISOString(),
        headers: {},
      },
    ]);
    harness = await startMessagingApp([DurableHandlers], {
      durableQueueStore: store,
      queues: { 'domain-events': { mode: 'durable' } },
    });
    await harness.waitFor(() => store.rows.get('left-over')!.completed);
    expect(harness.app.get(DurableHandlers).handled.sort()).toEqual(['one:recovered', 'two:recovered']);
  });
});
