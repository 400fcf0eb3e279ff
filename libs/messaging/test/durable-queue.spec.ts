import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { DomainEvent, EventHandler, type DurableQueueStore, type Envelope } from '@momentum/messaging';
import { deferred, startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

/** A store kept in a Map, standing in for the outbox's PostgreSQL store behind the same interface. */
class MapQueueStore implements DurableQueueStore {
  readonly recoveries = new Map<string, () => Promise<number>>();
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
  registerRecovery(queue: string, recover: () => Promise<number>): void {
    this.recoveries.set(queue, recover);
  }
}

function storedDurable(id: string, label: string): Envelope {
  return {
    id,
    type: 'Durable',
    message: new Durable(label),
    correlationId: id,
    source: '/x/y',
    time: new Date().toISOString(),
    headers: {},
  };
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

  /** A bus with a durable `domain-events` queue on `store`. */
  const startDurable = async (store: MapQueueStore): Promise<MessagingTestApp> => {
    harness = await startMessagingApp([DurableHandlers], {
      durableQueueStore: store,
      queues: { 'domain-events': { mode: 'durable' } },
    });
    return harness;
  };

  /** Holds every handler until the returned deferred resolves. */
  const holdHandlers = () => {
    const hold = deferred();
    gate.current = hold.promise;
    return hold;
  };

  it('stores a message before publish returns and completes it only after every handler finished', async () => {
    const store = new MapQueueStore();
    const hold = holdHandlers();
    const app = await startDurable(store);
    await app.bus.publish(new Durable('a'));
    const [row] = store.rows.values();
    expect(row).toMatchObject({ queue: 'domain-events', completed: false });
    await app.waitFor(() => app.app.get(DurableHandlers).handled.includes('two:a'));
    expect(row!.completed).toBe(false);
    hold.resolve();
    await app.waitFor(() => row!.completed);
  });

  it('runs stored but unfinished messages again at startup', async () => {
    const store = new MapQueueStore();
    await store.enqueue('domain-events', [storedDurable('left-over', 'recovered')]);
    const app = await startDurable(store);
    await app.waitFor(() => store.rows.get('left-over')!.completed);
    expect(app.app.get(DurableHandlers).handled.sort()).toEqual(['one:recovered', 'two:recovered']);
  });

  it('lets the store run recovery later, which runs only what is not running here already', async () => {
    const store = new MapQueueStore();
    const hold = holdHandlers();
    const app = await startDurable(store);
    await app.bus.publish(new Durable('running'));
    await store.enqueue('domain-events', [storedDurable('orphan', 'orphan')]);
    const recover = store.recoveries.get('domain-events')!;
    expect(await recover()).toBe(1);
    hold.resolve();
    await app.waitFor(() => [...store.rows.values()].every((row) => row.completed));
    expect(app.app.get(DurableHandlers).handled.sort()).toEqual([
      'one:orphan',
      'one:running',
      'two:orphan',
      'two:running',
    ]);
    await app.close();
    expect(await recover()).toBe(0);
    harness = undefined;
  });
});
