// Shutdown order of the bus: consumers stop and local queues drain while everything (databases,
// the outbox) is still open, then the outbox drains, and only then do the transports close.
import { describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import {
  DomainEvent,
  EventHandler,
  InMemoryBroker,
  InMemoryTransport,
  type Envelope,
  type MessageTransport,
  type OutgoingMessageSink,
} from '@momentum/messaging';
import { startMessagingApp } from './support/messaging-app.js';

const steps: string[] = [];

@DomainEvent()
class SlowWork {}

@Injectable()
class SlowHandler {
  @EventHandler()
  async work(_event: SlowWork): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 100));
    steps.push('queued handler finished');
  }
}

/** An in-memory transport that logs its lifecycle calls. */
class LoggedTransport extends InMemoryTransport {
  override async stopConsuming(): Promise<void> {
    steps.push(`${this.name}: stop consuming`);
    await super.stopConsuming();
  }
  override async close(): Promise<void> {
    steps.push(`${this.name}: close`);
    await super.close();
  }
}

/** A transport without `stopConsuming`: closed in the first step instead. */
function legacyTransport(broker: InMemoryBroker): MessageTransport {
  const inner = new InMemoryTransport({ name: 'legacy', broker });
  return {
    name: 'legacy',
    external: false,
    subscribe: (subscription) => inner.subscribe(subscription),
    start: () => inner.start(),
    publish: (records) => inner.publish(records),
    deadLetter: (record, reason) => inner.deadLetter(record, reason),
    close: async () => {
      steps.push('legacy: close');
      await inner.close();
    },
  };
}

class DrainedOutbox implements OutgoingMessageSink {
  async tryEnlist(_transport: string, _record: unknown, _envelope: Envelope): Promise<boolean> {
    return false;
  }
  async drain(): Promise<void> {
    steps.push('outbox drained');
  }
}

describe('bus shutdown', () => {
  it('stops consuming, drains queues, drains the outbox, then closes the transports', async () => {
    const broker = new InMemoryBroker();
    const harness = await startMessagingApp([SlowHandler], {
      transports: [new LoggedTransport({ broker }), legacyTransport(broker)],
      outbox: new DrainedOutbox(),
    });
    await harness.bus.publish(new SlowWork());
    await harness.close();
    expect(steps).toEqual([
      'in-memory: stop consuming',
      'legacy: close',
      'queued handler finished',
      'outbox drained',
      'in-memory: close',
      'legacy: close',
    ]);
  });
});
