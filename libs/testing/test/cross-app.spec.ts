import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EventHandler,
  EventTopic,
  InMemoryBroker,
  InMemoryTransport,
  MessagingModule,
} from '@momentum/messaging';
import { trackActivity } from '@momentum/testing';

@EventTopic('test.orders.order-placed')
class OrderPlaced {
  constructor(readonly orderId: string) {}
}

/** A local follow-up inside the billing service. */
class InvoiceCreated {
  constructor(readonly orderId: string) {}
}

@Injectable()
class BillingHandlers {
  readonly invoiced: string[] = [];

  @EventHandler()
  async onOrderPlaced(event: OrderPlaced): Promise<InvoiceCreated> {
    await sleep(20);
    return new InvoiceCreated(event.orderId);
  }

  @EventHandler()
  async onInvoiceCreated(event: InvoiceCreated): Promise<void> {
    await sleep(20);
    this.invoiced.push(event.orderId);
  }
}

describe('trackActivity across apps', () => {
  const apps: INestApplicationContext[] = [];

  async function service(
    serviceName: string,
    broker: InMemoryBroker,
    providers: (new (...args: never[]) => object)[],
  ) {
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRoot({ serviceName, transports: [new InMemoryTransport({ broker })] })],
      providers,
    }).compile();
    moduleRef.useLogger(false);
    apps.push(moduleRef);
    return moduleRef.init();
  }

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('waits for an integration event published by one app and handled by another', async () => {
    const broker = new InMemoryBroker();
    const orders = await service('orders', broker, []);
    const billing = await service('billing', broker, [BillingHandlers]);

    const session = await trackActivity(orders, { name: 'orders' })
      .alsoTrack(billing, 'billing')
      .publish(new OrderPlaced('o-7'));

    expect(billing.get(BillingHandlers).invoiced).toEqual(['o-7']);
    const sent = session.sent.records.find((record) => record.envelope.type === 'test.orders.order-placed')!;
    expect(sent.app).toBe('orders');
    expect(sent.destination).toBe('in-memory:test.orders.order-placed');

    const received = session.received.single(OrderPlaced);
    expect(received).toBeInstanceOf(OrderPlaced);
    expect(received.orderId).toBe('o-7');
    expect(session.received.records[0]!.app).toBe('billing');
    expect(session.succeeded.single(InvoiceCreated).orderId).toBe('o-7');
    expect(session.records.filter((record) => record.app === 'orders').map((record) => record.kind)).toEqual([
      'sent',
    ]);
  });

  it('does not wait for the other app unless it is tracked', async () => {
    const broker = new InMemoryBroker();
    const orders = await service('orders', broker, []);
    const billing = await service('billing', broker, [BillingHandlers]);

    const session = await trackActivity(orders).publish(new OrderPlaced('o-8'));
    expect(session.received.count).toBe(0);
    expect(billing.get(BillingHandlers).invoiced).toEqual([]);

    // Now tracking billing too: the session waits for the backlog it still has.
    const next = await trackActivity(billing).execute(() => 'nothing to do');
    expect(next.result).toBe('nothing to do');
    expect(billing.get(BillingHandlers).invoiced).toEqual(['o-8']);
    expect(next.succeeded.single(InvoiceCreated).orderId).toBe('o-8');
  });
});
