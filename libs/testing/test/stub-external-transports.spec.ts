import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  EventHandler,
  EventTopic,
  InMemoryBroker,
  InMemoryTransport,
  MessagingModule,
  type DeadLetterReason,
  type IncomingRecord,
  type MessageTransport,
  type TransportRecord,
  type TransportSubscription,
} from '@momentum/messaging';
import { StubTransport, stubbedTransport, stubExternalTransports, trackActivity } from '@momentum/testing';

/** Stands in for a real broker client: any use of it fails the test. */
class ExplodingTransport implements MessageTransport {
  readonly name = 'kafka';
  readonly external = true;
  subscribe(subscription: TransportSubscription): void {
    throw new Error(`ExplodingTransport.subscribe(${subscription.groupId}) must not be called`);
  }
  async start(): Promise<void> {
    throw new Error('ExplodingTransport.start must not be called');
  }
  async publish(records: readonly TransportRecord[]): Promise<void> {
    throw new Error(`ExplodingTransport.publish(${records.length}) must not be called`);
  }
  async deadLetter(record: IncomingRecord, reason: DeadLetterReason): Promise<void> {
    throw new Error(`ExplodingTransport.deadLetter(${record.topic}, ${reason.message}) must not be called`);
  }
  async close(): Promise<void> {
    throw new Error('ExplodingTransport.close must not be called');
  }
}

@EventTopic('test.payments.payment-captured')
class PaymentCaptured {
  constructor(
    readonly paymentId: string,
    readonly amount: number,
  ) {}
}

/** Arrives from Kafka in production; with the stub, never. */
@EventTopic('test.shipping.parcel-sent')
class ParcelSent {
  constructor(readonly parcelId: string) {}
}

/** A local message whose handler publishes the integration event. */
class CapturePayment {
  constructor(readonly paymentId: string) {}
}

@Injectable()
class PaymentHandlers {
  @EventHandler()
  capture(command: CapturePayment): PaymentCaptured {
    return new PaymentCaptured(command.paymentId, 42);
  }

  @EventHandler()
  parcelSent(event: ParcelSent): void {
    void event;
  }
}

describe('stubExternalTransports', () => {
  let app: INestApplication | undefined;

  async function start(stubbed: boolean): Promise<INestApplication> {
    const builder = Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          serviceName: 'payments',
          transports: [new ExplodingTransport(), new InMemoryTransport({ broker: new InMemoryBroker() })],
          routes: [{ messages: [ParcelSent], transport: 'kafka' }],
        }),
      ],
      providers: [PaymentHandlers],
    });
    const moduleRef = await (stubbed ? stubExternalTransports(builder) : builder).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('replaces an external transport with a stub that records what is published', async () => {
    const app = await start(true);
    const session = await trackActivity(app).publish(new CapturePayment('p-1'));

    const sent = session.sent.records.find(
      (record) => record.envelope.type === 'test.payments.payment-captured',
    )!;
    expect(sent.destination).toBe('kafka:test.payments.payment-captured');
    expect(session.sent.single(PaymentCaptured)).toEqual(new PaymentCaptured('p-1', 42));

    const kafka = stubbedTransport(app, 'kafka');
    expect(kafka).toBeInstanceOf(StubTransport);
    expect(kafka.replaced).toBeInstanceOf(ExplodingTransport);
    expect(kafka.started).toBe(true);
    expect(kafka.published).toHaveLength(1);
    const [record] = kafka.published;
    expect(record!.topic).toBe('test.payments.payment-captured');
    expect(record!.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_type: 'test.payments.payment-captured',
      ce_id: sent.envelope.id,
      ce_source: '/app_domain/payments',
      'content-type': 'application/json',
    });
    expect(JSON.parse(record!.value!.toString('utf8'))).toEqual({ paymentId: 'p-1', amount: 42 });
    expect(kafka.envelopes[0]).toMatchObject({
      id: sent.envelope.id,
      message: { paymentId: 'p-1', amount: 42 },
    });
  });

  it('accepts subscriptions but never delivers', async () => {
    const app = await start(true);
    const kafka = stubbedTransport(app, 'kafka');
    expect(kafka.subscribedTopics).toEqual(['test.shipping.parcel-sent']);
    expect(kafka.subscriptions[0]!.groupId).toBe('payments.test');

    // Publishing the incoming event goes out to the stub; nothing comes back in.
    const session = await trackActivity(app).publish(new ParcelSent('parcel-1'));
    expect(session.sent.single(ParcelSent).parcelId).toBe('parcel-1');
    expect(session.received.count).toBe(0);
    expect(kafka.published.map((published) => published.topic)).toEqual(['test.shipping.parcel-sent']);
  });

  it('keeps non-external transports and explains lookups that cannot succeed', async () => {
    const app = await start(true);
    expect(() => stubbedTransport(app, 'in-memory')).toThrow(
      "stubbedTransport: no external transport named 'in-memory' was stubbed (stubbed: 'kafka')",
    );
  });

  it('stubbedTransport refuses an app built without stubExternalTransports', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          serviceName: 'plain',
          transports: [new InMemoryTransport({ broker: new InMemoryBroker() })],
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect(() => stubbedTransport(app!, 'kafka')).toThrow('was not built with stubExternalTransports');
  });

  it('without the stub, the external transport is used (and explodes)', async () => {
    await expect(start(false)).rejects.toThrow(
      /ExplodingTransport\.subscribe\(payments\.test\) must not be called/,
    );
    await app!.close(); // never bootstrapped, so the transport is not closed either
    app = undefined;
  });
});
