import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { EventHandler, EventTopic, type SigningKey } from '@momentum/messaging';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import { startMessagingApp, type MessagingTestApp } from '../support/messaging-app.js';
import { readTopic, testTransportOptions, uniqueSuffix, waitUntil } from './support/kafka-test-kit.js';

const OLD_KEY: SigningKey = { id: 'k-old', secret: 'o'.repeat(32) };
const NEW_KEY: SigningKey = { id: 'k-new', secret: 'n'.repeat(32) };

function paymentFlow(topic: string) {
  @EventTopic(topic)
  class PaymentCompleted {
    constructor(
      readonly paymentId: string,
      readonly tenantId: string,
    ) {}
  }
  @Injectable()
  class PaymentHandler {
    readonly handled: string[] = [];
    @EventHandler()
    completed(event: PaymentCompleted): void {
      this.handled.push(event.paymentId);
    }
  }
  return { PaymentCompleted, PaymentHandler };
}

describe('signed integration events over Kafka', () => {
  const apps: MessagingTestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  }, 60_000);

  async function app(
    serviceName: string,
    group: string,
    options: Parameters<typeof startMessagingApp>[1],
    providers: Parameters<typeof startMessagingApp>[0] = [],
  ) {
    const started = await startMessagingApp(providers, {
      serviceName,
      consumerGroup: group,
      transports: [new KafkaTransport(testTransportOptions())],
      ...options,
    });
    apps.push(started);
    return started;
  }

  it('accepts events signed with an accepted key, rejects unsigned and wrongly signed ones to the DLQ, and rotates keys', async () => {
    const suffix = uniqueSuffix();
    const topic = `it.${suffix}.payments.payment-completed`;
    const { PaymentCompleted, PaymentHandler } = paymentFlow(topic);
    const orders = await app('orders', `orders-${suffix}`, { signing: { acceptKeys: [OLD_KEY, NEW_KEY] } }, [
      PaymentHandler,
    ]);
    const signedOld = await app('payments-old', `payments-old-${suffix}`, { signing: { signWith: OLD_KEY } });
    const signedNew = await app('payments-new', `payments-new-${suffix}`, { signing: { signWith: NEW_KEY } });
    const unsigned = await app('payments-unsigned', `payments-unsigned-${suffix}`, {});
    const forged = await app('payments-forged', `payments-forged-${suffix}`, {
      signing: { signWith: { id: 'k-old', secret: 'x'.repeat(32) } },
    });

    await signedOld.bus.publish(new PaymentCompleted('before-rotation', 't-1'));
    await signedNew.bus.publish(new PaymentCompleted('after-rotation', 't-1'));
    await unsigned.bus.publish(new PaymentCompleted('unsigned', 't-1'));
    await forged.bus.publish(new PaymentCompleted('forged', 't-1'));

    const handler = orders.app.get(PaymentHandler);
    await waitUntil(
      () => handler.handled.length >= 2,
      () => `both signed events handled, got ${handler.handled.join(', ')}`,
      60_000,
    );
    const dlq = await readTopic(`${topic}.dlq`, 2, 60_000);
    expect(handler.handled.sort()).toEqual(['after-rotation', 'before-rotation']);
    const header = (record: (typeof dlq)[number], name: string) => record.message.headers?.[name]?.toString();
    const reasons = dlq.map((record) => header(record, 'dlq-error-message'));
    expect(reasons).toHaveLength(2);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/has an invalid signature for key 'k-old'/),
        expect.stringMatching(/is not signed/),
      ]),
    );
    expect(dlq.map((record) => header(record, 'dlq-error-type'))).toEqual([
      'SignatureVerificationError',
      'SignatureVerificationError',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(handler.handled).toHaveLength(2);
  }, 120_000);
});
