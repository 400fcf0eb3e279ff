import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { trackActivity } from '@momentum/testing';
import {
  DEAD_LETTER_STORE,
  EventHandler,
  EventTopic,
  MessageContext,
  TopicAccessDeniedError,
  encodeCloudEvent,
  type DeadLetterStore,
} from '@momentum/messaging';
import {
  AuditTrail,
  ConfiguredTopicAccessPolicy,
  InMemoryAuditSink,
  TenantContext,
  type TenancyModuleOptions,
} from '@momentum/tenancy';
import { startTenancyApp, TENANT_A, TENANT_B, type TenancyTestApp } from './support/tenancy-app.js';

const ORDER_PLACED = 'app_domain.orders.order-placed';
const SALARY_PAID = 'app_domain.payroll.salary-paid';
const INVOICE_PAID = 'app_domain.billing.invoice-paid';

@EventTopic(ORDER_PLACED)
class OrderPlaced {
  constructor(readonly orderId: string) {}
}
@EventTopic(SALARY_PAID)
class SalaryPaid {
  constructor(readonly amount: number) {}
}
@EventTopic(INVOICE_PAID)
class InvoicePaid {
  constructor(readonly invoiceId: string) {}
}

@Injectable()
class Handlers {
  readonly invoices: string[] = [];

  @EventHandler()
  orderPlaced(_event: OrderPlaced, context: MessageContext): Promise<void> {
    return context.bus.publish(new SalaryPaid(100)); // not this service's topic to publish
  }

  @EventHandler()
  invoicePaid(event: InvoicePaid, context: MessageContext): void {
    this.invoices.push(`${event.invoiceId}@${context.tenantId}`);
  }
}

const tenancy = (sink: InMemoryAuditSink): TenancyModuleOptions => ({
  topicAccess: {
    publish: ['app_domain.orders.*'],
    consume: ['app_domain.orders.*', { topic: 'app_domain.billing.*', tenants: [TENANT_A] }],
  },
  audit: { sink },
});

function invoiceRecord(invoiceId: string, tenantId: string) {
  return encodeCloudEvent(
    {
      id: `evt-${invoiceId}`,
      type: INVOICE_PAID,
      message: { invoiceId },
      correlationId: `flow-${invoiceId}`,
      tenantId,
      source: '/app_domain/billing',
      time: new Date().toISOString(),
      headers: {},
    },
    INVOICE_PAID,
  );
}

describe('topic access control from configuration', () => {
  let harness: TenancyTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('refuses a publish to a topic outside the publish list with a clear error, sends nothing, and audits it', async () => {
    const sink = new InMemoryAuditSink();
    harness = await startTenancyApp({ tenancy: tenancy(sink), providers: [Handlers] });
    const { get, bus, broker } = harness;
    const tenants = get(TenantContext);
    const refused = tenants.run(TENANT_A, () => bus.publish(new SalaryPaid(5)));
    await expect(refused).rejects.toThrow(TopicAccessDeniedError);
    await expect(refused).rejects.toThrow(
      `publish on topic '${SALARY_PAID}' for tenant '${TENANT_A}' denied: no publish rule of this service matches the topic`,
    );
    expect(broker.records(SALARY_PAID)).toEqual([]);
    await get(AuditTrail).flush();
    expect(await tenants.run(TENANT_A, () => get(AuditTrail).query())).toEqual([
      {
        kind: 'publish',
        result: 'denied',
        tenantId: TENANT_A,
        messageId: expect.any(String),
        messageType: SALARY_PAID,
        topic: SALARY_PAID,
        correlationId: expect.any(String),
        causationId: undefined,
        reason: `publish on topic '${SALARY_PAID}' for tenant '${TENANT_A}' denied: no publish rule of this service matches the topic`,
        at: expect.any(Date),
      },
    ]);
  });

  it('audits a denied publish from inside a handler in the flow of the handled message', async () => {
    const sink = new InMemoryAuditSink();
    harness = await startTenancyApp({ tenancy: tenancy(sink), providers: [Handlers] });
    const { app, get } = harness;
    const tenants = get(TenantContext);
    const session = await tenants.run(TENANT_B, () =>
      trackActivity(app).doNotFailOnHandlerErrors().publish(new OrderPlaced('o-1')),
    );
    const placed = session.sent.records[0]!.envelope;
    await get(AuditTrail).flush();
    const flow = await tenants.run(TENANT_B, () => get(AuditTrail).flow(placed.correlationId));
    expect(flow.map((e) => [e.kind, e.result, e.topic, e.causationId ?? null])).toEqual([
      ['publish', 'sent', ORDER_PLACED, null],
      ['publish', 'denied', SALARY_PAID, placed.id],
      ['handling', 'dead-lettered', ORDER_PLACED, null],
    ]);
    expect(flow[2]).toMatchObject({
      messageId: placed.id,
      handler: 'Handlers.orderPlaced',
      tenantId: TENANT_B,
    });
    expect(flow[2]!.reason).toContain(`publish on topic '${SALARY_PAID}'`);
  });

  it('dead-letters and audits a consumed record for a tenant the rule does not list, never handling it', async () => {
    const sink = new InMemoryAuditSink();
    harness = await startTenancyApp({ tenancy: tenancy(sink), providers: [Handlers] });
    const { app, get, broker, waitFor } = harness;
    broker.append([invoiceRecord('i-b', TENANT_B), invoiceRecord('i-a', TENANT_A)]);
    await waitFor(
      () => get(Handlers).invoices.length === 1 && broker.records(`${INVOICE_PAID}.dlq`).length === 1,
    );
    expect(get(Handlers).invoices).toEqual([`i-a@${TENANT_A}`]);
    const [letter] = await app.get<DeadLetterStore>(DEAD_LETTER_STORE).list();
    const reason =
      `consume on topic '${INVOICE_PAID}' for tenant '${TENANT_B}' denied: ` +
      'the topic is allowed for listed tenants only and this tenant is not among them';
    expect(letter).toMatchObject({
      messageId: 'evt-i-b',
      tenantId: TENANT_B,
      errorType: 'TopicAccessDeniedError',
      errorMessage: reason,
      replayable: false,
    });
    await get(AuditTrail).flush();
    const tenants = get(TenantContext);
    expect(await tenants.run(TENANT_B, () => get(AuditTrail).query())).toEqual([
      {
        kind: 'handling',
        result: 'denied',
        tenantId: TENANT_B,
        messageId: 'evt-i-b',
        messageType: INVOICE_PAID,
        topic: INVOICE_PAID,
        destination: `in-memory:${INVOICE_PAID}`,
        handler: undefined,
        correlationId: 'flow-i-b',
        causationId: undefined,
        reason,
        at: expect.any(Date),
      },
    ]);
    const tenantA = await tenants.run(TENANT_A, () => get(AuditTrail).query());
    expect(tenantA.map((e) => [e.kind, e.result, e.messageId])).toEqual([
      ['handling', 'succeeded', 'evt-i-a'],
    ]);
  });
});

describe('ConfiguredTopicAccessPolicy', () => {
  const denied = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      return (error as TopicAccessDeniedError).message;
    }
    return 'allowed';
  };

  it('matches exact topics and * suffix wildcards, nothing more', () => {
    const policy = new ConfiguredTopicAccessPolicy({
      publish: ['app_domain.orders.*', 'app_domain.audit.log'],
    });
    expect(denied(() => policy.assertPublish('app_domain.orders.order-placed', undefined))).toBe('allowed');
    expect(denied(() => policy.assertPublish('app_domain.audit.log', undefined))).toBe('allowed');
    expect(denied(() => policy.assertPublish('app_domain.orders-archive.x', TENANT_A))).toBe(
      `publish on topic 'app_domain.orders-archive.x' for tenant '${TENANT_A}' denied: no publish rule of this service matches the topic`,
    );
    expect(denied(() => policy.assertPublish('app_domain.audit.log.v2', undefined))).not.toBe('allowed');
  });

  it('allows everything for a direction without a list, and nothing for an empty list', () => {
    const policy = new ConfiguredTopicAccessPolicy({ consume: [] });
    expect(denied(() => policy.assertPublish('any.topic.at-all', undefined))).toBe('allowed');
    expect(denied(() => policy.assertConsume('any.topic.at-all', TENANT_A))).not.toBe('allowed');
    expect(
      denied(() => new ConfiguredTopicAccessPolicy({ consume: ['*'] }).assertConsume('x', undefined)),
    ).toBe('allowed');
  });

  it('applies a per-tenant rule to its tenants only, and never to a message without a tenant', () => {
    const policy = new ConfiguredTopicAccessPolicy({
      consume: [
        { topic: 'app_domain.billing.*', tenants: [TENANT_A] },
        { topic: 'app_domain.billing.public' },
      ],
    });
    expect(denied(() => policy.assertConsume('app_domain.billing.paid', TENANT_A))).toBe('allowed');
    expect(denied(() => policy.assertConsume('app_domain.billing.public', TENANT_B))).toBe('allowed');
    expect(denied(() => policy.assertConsume('app_domain.billing.paid', TENANT_B))).toContain(
      'this tenant is not among them',
    );
    expect(denied(() => policy.assertConsume('app_domain.billing.paid', undefined))).toBe(
      "consume on topic 'app_domain.billing.paid' denied: the topic is allowed for listed tenants only and the message has no tenant",
    );
  });
});
