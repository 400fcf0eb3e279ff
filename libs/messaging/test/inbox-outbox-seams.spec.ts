import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import {
  EventHandler,
  EventTopic,
  InMemoryBroker,
  InMemoryTransport,
  type Envelope,
  type MessageInbox,
  type OutgoingEnlistment,
  type OutgoingMessageSink,
  type TransportRecord,
} from '@momentum/messaging';
import { startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

const TOPIC = 'app_domain.seams.thing-happened';

@EventTopic(TOPIC)
class ThingHappened {
  constructor(readonly name: string) {}
}

@Injectable()
class ThingHandler {
  readonly seen: string[] = [];
  @EventHandler()
  happened(event: ThingHappened): void {
    this.seen.push(event.name);
  }
}

/** Enlists while `open` is true, like an outbox inside a transaction. */
class RecordingOutbox implements OutgoingMessageSink {
  open = false;
  readonly enlisted: { transport: string; record: TransportRecord; envelope: Envelope }[] = [];
  async tryEnlist(transport: string, record: TransportRecord, envelope: Envelope): Promise<boolean> {
    if (this.open) this.enlisted.push({ transport, record, envelope });
    return this.open;
  }
}

/** Holds each enlisted record until the test ends its transaction, like the outbox module. */
class TransactionalOutbox implements OutgoingMessageSink {
  private readonly ends = new Map<string, (committed: boolean) => void>();
  async tryEnlist(
    _transport: string,
    _record: TransportRecord,
    envelope: Envelope,
  ): Promise<OutgoingEnlistment> {
    return {
      committed: new Promise((settle) => this.ends.set((envelope.message as ThingHappened).name, settle)),
    };
  }
  end(name: string, committed: boolean): void {
    this.ends.get(name)!(committed);
  }
}

/** Remembers handled ids per consumer, like the inbox table's unique key. */
class SetInbox implements MessageInbox {
  readonly handled = new Set<string>();
  async receive(envelope: Envelope, consumer: string, handle: () => Promise<void>): Promise<boolean> {
    const key = `${consumer}|${envelope.id}`;
    if (this.handled.has(key)) return false;
    await handle();
    this.handled.add(key);
    return true;
  }
}

describe('outbox and inbox seams of the bus', () => {
  let harness: MessagingTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('hands transport-bound records to the outbox while it enlists, and publishes directly otherwise', async () => {
    const outbox = new RecordingOutbox();
    const broker = new InMemoryBroker();
    harness = await startMessagingApp([ThingHandler], {
      transports: [new InMemoryTransport({ broker })],
      outbox,
    });
    outbox.open = true;
    await harness.bus.publish(new ThingHappened('in-transaction'));
    outbox.open = false;
    await harness.bus.publish(new ThingHappened('direct'));
    await harness.waitFor(() => harness!.app.get(ThingHandler).seen.includes('direct'));
    expect(broker.records(TOPIC)).toHaveLength(1);
    expect(outbox.enlisted).toHaveLength(1);
    expect(outbox.enlisted[0]).toMatchObject({
      transport: 'in-memory',
      record: { topic: TOPIC, headers: { ce_type: TOPIC } },
    });
    expect(
      harness.records.find((r) => r.kind === 'sent' && r.envelope.message instanceof ThingHappened)
        ?.destination,
    ).toBe(`outbox → in-memory:${TOPIC}`);
  });

  it('runs consumed messages through the inbox, which discards a redelivered duplicate', async () => {
    const inbox = new SetInbox();
    const broker = new InMemoryBroker();
    harness = await startMessagingApp([ThingHandler], {
      transports: [new InMemoryTransport({ broker })],
      inbox,
    });
    await harness.bus.publish(new ThingHappened('once'), { id: 'fixed-id' });
    await harness.bus.publish(new ThingHappened('once'), { id: 'fixed-id' });
    await harness.bus.publish(new ThingHappened('other'));
    await harness.waitFor(() => harness!.app.get(ThingHandler).seen.includes('other'));
    await harness.idle();
    expect(harness.app.get(ThingHandler).seen.sort()).toEqual(['once', 'other']);
    expect([...inbox.handled].filter((key) => key.startsWith('test-service.test|'))).toHaveLength(2);
  });

  it('announces a record the outbox stored as sent once its transaction commits, never after a rollback', async () => {
    const outbox = new TransactionalOutbox();
    harness = await startMessagingApp([ThingHandler], { outbox });
    await harness.bus.publish(new ThingHappened('committed'));
    await harness.bus.publish(new ThingHappened('rolled-back'));
    const sent = () =>
      harness!.records
        .filter((r) => r.kind === 'sent')
        .map((r) => (r.envelope.message as ThingHappened).name);
    expect(sent()).toEqual([]);
    outbox.end('rolled-back', false);
    outbox.end('committed', true);
    await harness.waitFor(() => sent().length > 0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent()).toEqual(['committed']);
  });
});
