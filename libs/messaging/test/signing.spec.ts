import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import {
  DEAD_LETTER_STORE,
  EventHandler,
  EventTopic,
  InMemoryBroker,
  InMemoryTransport,
  MessagingConfigurationError,
  type DeadLetterStore,
  type SigningKey,
} from '@momentum/messaging';
import { startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

const TOPIC = 'app_domain.payments.payment-completed';
const OLD_KEY: SigningKey = { id: 'k-2026-01', secret: 'a'.repeat(32) };
const NEW_KEY: SigningKey = { id: 'k-2026-11', secret: 'b'.repeat(32) };

@EventTopic(TOPIC)
class PaymentCompleted {
  constructor(
    readonly paymentId: string,
    readonly amount: number,
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

describe('signed integration events', () => {
  const apps: MessagingTestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  async function producer(broker: InMemoryBroker, signWith?: SigningKey): Promise<MessagingTestApp> {
    const app = await startMessagingApp([], {
      serviceName: 'payments',
      transports: [new InMemoryTransport({ broker })],
      signing: { signWith },
    });
    apps.push(app);
    return app;
  }

  async function consumer(broker: InMemoryBroker, acceptKeys: SigningKey[]): Promise<MessagingTestApp> {
    const app = await startMessagingApp([PaymentHandler], {
      serviceName: 'orders',
      transports: [new InMemoryTransport({ broker })],
      signing: { acceptKeys },
    });
    apps.push(app);
    return app;
  }

  async function deadLetterReasons(app: MessagingTestApp): Promise<string[]> {
    return (await app.app.get<DeadLetterStore>(DEAD_LETTER_STORE).list()).map(
      (letter) => `${letter.errorType}: ${letter.errorMessage}`,
    );
  }

  it('accepts an event signed with an accepted key', async () => {
    const broker = new InMemoryBroker();
    const orders = await consumer(broker, [OLD_KEY]);
    await (await producer(broker, OLD_KEY)).bus.publish(new PaymentCompleted('p-1', 10));
    await orders.waitFor(() => orders.app.get(PaymentHandler).handled.includes('p-1'));
    const [record] = broker.records(TOPIC);
    expect(record!.headers['ce_signaturekeyid']).toBe(OLD_KEY.id);
    expect(record!.headers['ce_signature']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('dead-letters unsigned events and events signed with an unknown key, with the reason', async () => {
    const broker = new InMemoryBroker();
    const orders = await consumer(broker, [NEW_KEY]);
    await (await producer(broker)).bus.publish(new PaymentCompleted('unsigned', 1));
    await (await producer(broker, OLD_KEY)).bus.publish(new PaymentCompleted('unknown-key', 1));
    await orders.waitFor(() => broker.records(`${TOPIC}.dlq`).length === 2);
    expect(orders.app.get(PaymentHandler).handled).toEqual([]);
    const reasons = await deadLetterReasons(orders);
    expect(reasons.some((reason) => /SignatureVerificationError: .* is not signed/.test(reason))).toBe(true);
    expect(reasons.some((reason) => /signed with unknown key 'k-2026-01'/.test(reason))).toBe(true);
    expect(broker.records(`${TOPIC}.dlq`).map((r) => r.headers['dlq-error-type'])).toEqual([
      'SignatureVerificationError',
      'SignatureVerificationError',
    ]);
  });

  it('dead-letters an event whose data was tampered with after signing', async () => {
    const broker = new InMemoryBroker();
    const payments = await producer(broker, OLD_KEY);
    await payments.bus.publish(new PaymentCompleted('p-9', 10));
    const [signed] = broker.records(TOPIC);
    const tamperedBroker = new InMemoryBroker();
    const orders = await consumer(tamperedBroker, [OLD_KEY]);
    tamperedBroker.append([
      { ...signed!, value: Buffer.from(JSON.stringify({ paymentId: 'p-9', amount: 10_000 })) },
    ]);
    await orders.waitFor(() => tamperedBroker.records(`${TOPIC}.dlq`).length === 1);
    expect(await deadLetterReasons(orders)).toEqual([
      expect.stringMatching(/invalid signature for key 'k-2026-01'/),
    ]);
    expect(orders.app.get(PaymentHandler).handled).toEqual([]);
  });

  it('rotates keys: while both keys are accepted, events signed with either are handled', async () => {
    const broker = new InMemoryBroker();
    const orders = await consumer(broker, [OLD_KEY, NEW_KEY]);
    await (await producer(broker, OLD_KEY)).bus.publish(new PaymentCompleted('before-rotation', 1));
    await (await producer(broker, NEW_KEY)).bus.publish(new PaymentCompleted('after-rotation', 1));
    await orders.waitFor(() => orders.app.get(PaymentHandler).handled.length === 2);
    expect(orders.app.get(PaymentHandler).handled.sort()).toEqual(['after-rotation', 'before-rotation']);
  });

  it('rejects a short secret at startup, naming the option', async () => {
    await expect(
      startMessagingApp([], { signing: { signWith: { id: 'k', secret: 'short' } } }),
    ).rejects.toThrow(
      new MessagingConfigurationError('signing.signWith.secret', 'must be at least 32 bytes'),
    );
  });
});
