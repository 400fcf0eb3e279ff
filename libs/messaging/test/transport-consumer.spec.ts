import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import {
  DEAD_LETTER_STORE,
  EventHandler,
  EventTopic,
  FailureActions,
  InMemoryBroker,
  InMemoryTransport,
  MessageContext,
  encodeCloudEvent,
  type DeadLetterStore,
} from '@momentum/messaging';
import { startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

const TOPIC = 'app_domain.orders.order-placed';

@EventTopic(TOPIC)
class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly tenantId: string,
  ) {}
}

@Injectable()
class PlacedHandlers {
  readonly first: string[] = [];
  readonly second: string[] = [];
  readonly secondAttempts: number[] = [];

  @EventHandler()
  recordFirst(event: OrderPlaced): void {
    if (event.orderId === 'poison') throw new Error('poison order');
    this.first.push(event.orderId);
  }

  @EventHandler()
  recordSecond(event: OrderPlaced, context: MessageContext): void {
    this.secondAttempts.push(context.attempt);
    if (event.orderId === 'requeue' && context.attempt < 3) throw new Error('not yet');
    this.second.push(event.orderId);
  }
}

describe('consuming from a transport', () => {
  const apps: MessagingTestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  async function start(broker: InMemoryBroker, serviceName = 'billing'): Promise<MessagingTestApp> {
    const harness = await startMessagingApp([PlacedHandlers], {
      serviceName,
      transports: [new InMemoryTransport({ broker })],
      defaultFailureAction: FailureActions.retry({ attempts: 2, initialDelayMs: 1 }),
    });
    apps.push(harness);
    return harness;
  }

  it('dead-letters a record that is not a CloudEvent, with the reason, and keeps consuming', async () => {
    const broker = new InMemoryBroker();
    const harness = await start(broker);
    broker.append([{ topic: TOPIC, key: 'k', value: Buffer.from('{"orderId":"raw"}'), headers: {} }]);
    broker.append([encodeCloudEvent(envelopeOf(new OrderPlaced('good', 't-1')), TOPIC)]);
    await harness.waitFor(() => harness.app.get(PlacedHandlers).first.includes('good'));
    const [dlq] = broker.records(`${TOPIC}.dlq`);
    expect(dlq!.value?.toString()).toBe('{"orderId":"raw"}');
    expect(dlq!.headers).toMatchObject({
      'dlq-error-type': 'MessageDeserializationError',
      'dlq-original-topic': TOPIC,
      'dlq-consumer-group': 'billing.test',
    });
    expect(dlq!.headers['dlq-error-message']).toMatch(
      /not a CloudEvent: missing ce_specversion, ce_id, ce_type, ce_source/,
    );
    const [letter] = await harness.app.get<DeadLetterStore>(DEAD_LETTER_STORE).list();
    expect(letter).toMatchObject({
      errorType: 'MessageDeserializationError',
      replayable: false,
      source: `in-memory:${TOPIC}`,
    });
  });

  it('dead-letters a CloudEvent whose data is not JSON', async () => {
    const broker = new InMemoryBroker();
    const harness = await start(broker);
    const record = encodeCloudEvent(envelopeOf(new OrderPlaced('x', 't')), TOPIC);
    broker.append([{ ...record, value: Buffer.from('{not json') }]);
    await harness.waitFor(() => broker.records(`${TOPIC}.dlq`).length === 1);
    expect(broker.records(`${TOPIC}.dlq`)[0]!.headers['dlq-error-message']).toMatch(/not valid JSON/);
  });

  it('skips a record of an unknown type, recording it as no-handler', async () => {
    const broker = new InMemoryBroker();
    const harness = await start(broker);
    const record = encodeCloudEvent(
      { ...envelopeOf(new OrderPlaced('x', 't')), type: 'app_domain.orders.something-else' },
      TOPIC,
    );
    broker.append([record]);
    broker.append([encodeCloudEvent(envelopeOf(new OrderPlaced('after', 't')), TOPIC)]);
    await harness.waitFor(() => harness.app.get(PlacedHandlers).first.includes('after'));
    expect(harness.records.filter((r) => r.kind === 'no-handler').map((r) => r.envelope.type)).toEqual([
      'app_domain.orders.something-else',
    ]);
    expect(broker.records(`${TOPIC}.dlq`)).toHaveLength(0);
  });

  it('sends a poison message to the dead-letter topic after its retries, and later records still flow', async () => {
    const broker = new InMemoryBroker();
    const harness = await start(broker);
    await harness.bus.publish(new OrderPlaced('poison', 't-1'));
    await harness.bus.publish(new OrderPlaced('next', 't-1'));
    await harness.waitFor(() => harness.app.get(PlacedHandlers).first.includes('next'));
    const [dlq] = broker.records(`${TOPIC}.dlq`);
    expect(dlq!.headers).toMatchObject({
      'dlq-error-type': 'Error',
      'dlq-error-message': 'poison order',
      'dlq-attempts': '2',
      ce_type: TOPIC,
    });
    expect(dlq!.key).toBe('t-1');
    expect(JSON.parse(dlq!.value!.toString())).toEqual({ orderId: 'poison', tenantId: 't-1' });
    expect(harness.app.get(PlacedHandlers).second).toEqual(['poison', 'next']);
  });

  it('redelivers a requeued record without running handlers that already succeeded', async () => {
    const harness = await startMessagingApp([PlacedHandlers], {
      serviceName: 'billing',
      transports: [new InMemoryTransport({ broker: new InMemoryBroker() })],
      errorPolicies: [{ action: FailureActions.requeue(5) }],
    });
    apps.push(harness);
    await harness.bus.publish(new OrderPlaced('requeue', 't-1'));
    const handlers = harness.app.get(PlacedHandlers);
    await harness.waitFor(() => handlers.second.includes('requeue'));
    expect(handlers.first).toEqual(['requeue']);
    expect(handlers.secondAttempts).toEqual([1, 2, 3]);
  });

  it("gives each service (consumer group) every event, and shares one group's work between its instances", async () => {
    const broker = new InMemoryBroker();
    const billingA = await start(broker, 'billing');
    const billingB = await start(broker, 'billing');
    const shipping = await start(broker, 'shipping');
    for (let i = 0; i < 20; i++) await billingA.bus.publish(new OrderPlaced(`o${i}`, `tenant-${i % 5}`));
    const seen = (app: MessagingTestApp) => app.app.get(PlacedHandlers).first;
    await shipping.waitFor(
      () => seen(shipping).length === 20 && seen(billingA).length + seen(billingB).length === 20,
    );
    expect(new Set([...seen(billingA), ...seen(billingB)]).size).toBe(20);
    expect(seen(billingA).length).toBeGreaterThan(0);
    expect(seen(billingB).length).toBeGreaterThan(0);
  });
});

function envelopeOf(message: OrderPlaced) {
  return {
    id: `id-${message.orderId}`,
    type: TOPIC,
    message,
    correlationId: `id-${message.orderId}`,
    tenantId: message.tenantId,
    partitionKey: message.tenantId,
    source: '/app_domain/orders',
    time: new Date().toISOString(),
    headers: {},
  };
}
