// Shutdown order: a handler still running when the application closes finishes with the database
// open, and the relay sends what it committed before the transports close.
import { afterAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { EventHandler, EventTopic, InMemoryBroker, MessageBus } from '@momentum/messaging';
import { eventually } from './support/eventually.js';
import { startOutboxApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { OrderPlaced } from './support/test-messages.js';

const SHIPPED = 'app_domain.outbox_tests.order-shipped';

@EventTopic(SHIPPED)
class OrderShipped {
  constructor(readonly orderId: string) {}
}

/** Consumes `OrderPlaced` slowly, publishing `OrderShipped` from the inbox transaction (an outbox row). */
@Injectable()
class SlowShipping {
  static started = false;
  static finished = false;

  constructor(private readonly bus: MessageBus) {}

  @EventHandler()
  async placed(event: OrderPlaced): Promise<void> {
    SlowShipping.started = true;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await this.bus.publish(new OrderShipped(event.orderId));
    SlowShipping.finished = true;
  }
}

describe('outbox shutdown', () => {
  const url = databaseUrl();
  const schema = uniqueSchema('shutdown');

  afterAll(async () => {
    await dropSchema(schema);
  }, 30_000);

  it('lets an in-flight durable handler finish during close and relays its outgoing message', async () => {
    const broker = new InMemoryBroker();
    const app = await startOutboxApp({
      outbox: { url, schema, autoCreate: true, nodes: { mode: 'solo' } },
      providers: [SlowShipping],
      broker,
    });
    await app.bus.publish(new OrderPlaced('in-flight', 1));
    await eventually(() => SlowShipping.started, 'the handler to start');
    await app.close();
    expect(SlowShipping.finished).toBe(true);
    expect(broker.records(SHIPPED)).toHaveLength(1);
    expect(await adminQuery(`SELECT id FROM "${schema}".outgoing`)).toEqual([]);
    expect(
      await adminQuery(`SELECT status FROM "${schema}".incoming WHERE consumer = 'outbox-test.test'`),
    ).toEqual([{ status: 'handled' }]);
  }, 30_000);
});
