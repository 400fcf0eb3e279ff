import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import {
  DEAD_LETTER_STORE,
  EventHandler,
  EventTopic,
  InMemoryBroker,
  InMemoryTransport,
  TopicAccessDeniedError,
  encodeCloudEvent,
  toStructuredRecord,
  type DeadLetterStore,
  type Envelope,
  type TopicAccessPolicy,
} from '@momentum/messaging';
import { startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

const ALLOWED = 'app_domain.orders.order-created';
const FORBIDDEN = 'app_domain.payroll.salary-paid';

@EventTopic(ALLOWED)
class OrderCreated {
  constructor(readonly tenantId: string) {}
}
@EventTopic(FORBIDDEN)
class SalaryPaid {
  constructor(readonly tenantId: string) {}
}

@Injectable()
class Handlers {
  readonly seen: string[] = [];
  @EventHandler()
  order(event: OrderCreated): void {
    this.seen.push(`order:${event.tenantId}`);
  }
}

/** Publishes only to ALLOWED; consumes ALLOWED except for tenant `blocked`. */
const policy: TopicAccessPolicy = {
  assertPublish(topic, tenantId) {
    if (topic !== ALLOWED)
      throw new TopicAccessDeniedError('publish', topic, tenantId, 'not in publish list');
  },
  assertConsume(topic, tenantId) {
    if (tenantId === 'blocked')
      throw new TopicAccessDeniedError('consume', topic, tenantId, 'tenant not allowed');
  },
};

const envelope = (tenantId: string): Envelope => ({
  id: `id-${tenantId}`,
  type: ALLOWED,
  message: new OrderCreated(tenantId),
  correlationId: `id-${tenantId}`,
  tenantId,
  source: '/app_domain/elsewhere',
  time: new Date().toISOString(),
  headers: {},
});

describe('topic access policy in the bus', () => {
  let harness: MessagingTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('refuses a publish to a denied topic with a clear error, sending nothing', async () => {
    const broker = new InMemoryBroker();
    harness = await startMessagingApp([Handlers], {
      transports: [new InMemoryTransport({ broker })],
      topicAccess: policy,
    });
    await expect(harness.bus.publish(new SalaryPaid('t-1'))).rejects.toThrow(
      new TopicAccessDeniedError('publish', FORBIDDEN, 't-1', 'not in publish list'),
    );
    expect(broker.records(FORBIDDEN)).toEqual([]);
  });

  it('dead-letters a record the service may not consume, never handling it, and keeps consuming', async () => {
    const broker = new InMemoryBroker();
    harness = await startMessagingApp([Handlers], {
      transports: [new InMemoryTransport({ broker })],
      topicAccess: policy,
    });
    broker.append([
      encodeCloudEvent(envelope('blocked'), ALLOWED),
      encodeCloudEvent(envelope('welcome'), ALLOWED),
    ]);
    await harness.waitFor(() => harness!.app.get(Handlers).seen.includes('order:welcome'));
    expect(harness.app.get(Handlers).seen).toEqual(['order:welcome']);
    const [letter] = await harness.app.get<DeadLetterStore>(DEAD_LETTER_STORE).list();
    expect(letter).toMatchObject({
      errorType: 'TopicAccessDeniedError',
      tenantId: 'blocked',
      replayable: false,
    });
    expect(letter!.errorMessage).toBe(
      `consume on topic '${ALLOWED}' for tenant 'blocked' denied: tenant not allowed`,
    );
    expect(broker.records(`${ALLOWED}.dlq`)).toHaveLength(1);
  });

  it.each([
    [
      'only in the payload',
      () => encodeCloudEvent({ ...envelope('blocked'), id: 'payload-only', tenantId: undefined }, ALLOWED),
    ],
    [
      'in a structured-mode document',
      () => toStructuredRecord(encodeCloudEvent(envelope('blocked'), ALLOWED)),
    ],
  ])('files a denied record under its tenant when the tenant is %s', async (_case, recordOf) => {
    const broker = new InMemoryBroker();
    harness = await startMessagingApp([Handlers], {
      transports: [new InMemoryTransport({ broker })],
      topicAccess: policy,
    });
    const record = recordOf();
    expect(record.headers['ce_tenantid']).toBeUndefined();
    broker.append([record]);
    await harness.waitFor((records) => records.some((r) => r.kind === 'dead-lettered'));
    const [letter] = await harness.app.get<DeadLetterStore>(DEAD_LETTER_STORE).list();
    expect(letter).toMatchObject({
      errorType: 'TopicAccessDeniedError',
      tenantId: 'blocked',
      messageType: ALLOWED,
    });
    const denied = harness.records.find((r) => r.kind === 'dead-lettered')!;
    expect(denied.envelope).toMatchObject({ tenantId: 'blocked', type: ALLOWED });
  });
});
