// The tenant of an HTTP request, followed through every hop of a flow across two services over the
// real Kafka broker and PostgreSQL: HTTP → command → domain event (durable queue) → integration event
// (outbox → Kafka) → another service's handler (durable inbox). No message carries a `tenantId`
// property, so the bus has no payload to fall back on: each hop only knows its tenant if the one
// before passed it on (ambient context, envelope, `ce_tenantid` header).
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { Controller, HttpCode, Injectable, Param, Post } from '@nestjs/common';
import {
  Command,
  DomainEvent,
  EventHandler,
  EventTopic,
  KafkaTransport,
  MessageBus,
  MessageContext,
  NonRetryableError,
} from '@momentum/messaging';
import { Outbox } from '@momentum/outbox';
import { AuditTrail, InMemoryAuditSink, TenantContext, type AuditEntry } from '@momentum/tenancy';
import {
  deleteTopics,
  eventually,
  readTopic,
  testTransportOptions,
  uniqueSuffix,
  waitUntil,
} from '../../messaging/test/kafka/support/kafka-test-kit.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from '../../outbox/test/support/postgres.js';
import { TENANT_A, TENANT_B } from './support/tenancy-app.js';
import { startTenantService, type TenantService, type TenantServiceSpec } from './support/tenant-service.js';

const SUFFIX = uniqueSuffix();
const TOPIC = `it.${SUFFIX}.tenancy.order-accepted`;
/** The order whose integration event service B refuses for good, so it is dead-lettered. */
const POISON = 'b-1';

@Command({ type: 'tenant-hops.place-order' })
class PlaceOrder {
  constructor(readonly orderId: string) {}
}
@DomainEvent({ type: 'tenant-hops.order-placed' })
class OrderPlaced {
  constructor(readonly orderId: string) {}
}
@EventTopic(TOPIC)
class OrderAccepted {
  constructor(readonly orderId: string) {}
}

/** One hop of one order, with the tenant `TenantContext` held there. */
interface Hop {
  readonly hop: 'http' | 'command' | 'domain-event' | 'integration';
  readonly orderId: string;
  readonly tenant: string | undefined;
  /** The handled message's id and correlation id, for hops that handle one. */
  readonly messageId?: string;
  readonly correlationId?: string;
}
const hops: Hop[] = [];

/** Lets concurrent flows of both tenants interleave at every hop. */
const shuffle = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 10));

@Controller('orders')
class OrdersController {
  constructor(
    private readonly bus: MessageBus,
    private readonly tenants: TenantContext,
  ) {}

  @Post(':orderId')
  @HttpCode(202)
  async place(@Param('orderId') orderId: string): Promise<void> {
    hops.push({ hop: 'http', orderId, tenant: this.tenants.current() });
    await shuffle();
    await this.bus.invoke(new PlaceOrder(orderId));
  }
}

/** Service A: the command stores a domain event; its durable-queue handler emits the integration event. */
@Injectable()
class OrderHandlers {
  constructor(
    private readonly outbox: Outbox,
    private readonly tenants: TenantContext,
  ) {}

  @EventHandler()
  place(command: PlaceOrder, context: MessageContext): Promise<void> {
    this.visit('command', command.orderId, context);
    return this.outbox.transaction(async () => {
      await shuffle();
      await context.bus.publish(new OrderPlaced(command.orderId));
    });
  }

  @EventHandler()
  async placed(event: OrderPlaced, context: MessageContext): Promise<void> {
    this.visit('domain-event', event.orderId, context);
    await shuffle();
    await this.outbox.transaction(() => context.bus.publish(new OrderAccepted(event.orderId)));
  }

  private visit(hop: Hop['hop'], orderId: string, context: MessageContext): void {
    hops.push({
      hop,
      orderId,
      tenant: this.tenants.current(),
      messageId: context.envelope.id,
      correlationId: context.envelope.correlationId,
    });
  }
}

/** Why service B refuses an order; retrying cannot change it. */
class OrderRefused extends NonRetryableError {}

/** Service B: handles the integration event from its durable inbox. */
@Injectable()
class AcceptanceHandlers {
  constructor(private readonly tenants: TenantContext) {}

  @EventHandler()
  async accepted(event: OrderAccepted, context: MessageContext): Promise<void> {
    hops.push({
      hop: 'integration',
      orderId: event.orderId,
      tenant: this.tenants.current(),
      messageId: context.envelope.id,
      correlationId: context.envelope.correlationId,
    });
    await shuffle();
    if (event.orderId === POISON) throw new OrderRefused(`order ${event.orderId} cannot be accepted`);
  }
}

interface IncomingRow {
  readonly id: string;
  readonly message_type: string;
  readonly tenant_id: string | null;
}

describe('the tenant at every hop of a flow across two services (Kafka, PostgreSQL)', () => {
  const url = databaseUrl();
  const schemas = { a: uniqueSchema('tenant_hops_a'), b: uniqueSchema('tenant_hops_b') };
  const services: TenantService[] = [];
  const audits = { a: new InMemoryAuditSink(), b: new InMemoryAuditSink() };

  afterEach(async () => {
    // A first: its relay drains into Kafka while B still consumes
    for (const service of services.splice(0)) await service.close();
  }, 60_000);
  afterAll(async () => {
    await deleteTopics([TOPIC, `${TOPIC}.dlq`]);
    await dropSchema(schemas.a);
    await dropSchema(schemas.b);
  }, 60_000);

  it('keeps each request’s tenant in handler context, Kafka headers, inbox, dead-letter and audit rows', async () => {
    const start = (side: 'a' | 'b', handlers: Pick<TenantServiceSpec, 'providers' | 'controllers'>) =>
      startTenantService({
        serviceName: `tenant-hops-${side}`,
        consumerGroup: `tenant-hops-${side}-${SUFFIX}`,
        url,
        schema: schemas[side],
        transport: new KafkaTransport(testTransportOptions()),
        tenancy: { audit: { sink: audits[side] } },
        ...handlers,
      });
    const serviceB = await start('b', { providers: [AcceptanceHandlers] });
    const serviceA = await start('a', { providers: [OrderHandlers], controllers: [OrdersController] });
    services.push(serviceA, serviceB);

    const tenantOf = new Map<string, string>();
    for (const [prefix, tenant] of [
      ['a', TENANT_A],
      ['b', TENANT_B],
    ] as const)
      for (let i = 0; i < 3; i++) tenantOf.set(`${prefix}-${i}`, tenant);
    const orders = [...tenantOf.keys()];

    const responses = await Promise.all(
      orders.map((orderId) =>
        fetch(`${serviceA.url}/orders/${orderId}`, {
          method: 'POST',
          headers: { 'x-tenant-id': tenantOf.get(orderId)! },
        }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(orders.map(() => 202));

    await waitUntil(
      () => hops.filter((hop) => hop.hop === 'integration').length >= orders.length,
      () => `${orders.length} integration events handled by B; hops: ${JSON.stringify(hops)}`,
    );
    const deadLetters = () =>
      adminQuery<{ tenant_id: string | null; message_type: string; error_type: string; order_id: string }>(
        `SELECT tenant_id, message_type, error_type, body->>'orderId' AS order_id FROM "${schemas.b}".dead_letters`,
      );
    await eventually(
      async () => (await deadLetters()).length > 0,
      () => `B's dead letter of ${POISON}`,
    );

    // every hop of every order ran exactly once, in the request's tenant
    const seen = hops.map(({ hop, orderId, tenant }) => `${orderId} ${hop} ${tenant}`).sort();
    const expected = orders
      .flatMap((orderId) =>
        (['http', 'command', 'domain-event', 'integration'] as const).map(
          (hop) => `${orderId} ${hop} ${tenantOf.get(orderId)}`,
        ),
      )
      .sort();
    expect(seen).toEqual(expected);

    // the Kafka records name their tenant in the ce_tenantid header, and only there
    const records = await readTopic(TOPIC, orders.length);
    expect(records).toHaveLength(orders.length);
    for (const { message } of records) {
      const data = JSON.parse(message.value!.toString()) as Record<string, unknown>;
      expect(Object.keys(data)).toEqual(['orderId']);
      expect(message.headers?.['ce_tenantid']?.toString()).toBe(tenantOf.get(data.orderId as string));
    }

    // B's inbox rows and A's durable-queue rows carry the tenant
    const orderOf = new Map(hops.filter((hop) => hop.messageId).map((hop) => [hop.messageId!, hop.orderId]));
    const stored = async (schema: string, messageType: string) =>
      (
        await adminQuery<IncomingRow>(
          `SELECT id, message_type, tenant_id FROM "${schema}".incoming WHERE message_type = $1`,
          [messageType],
        )
      )
        .map((row) => `${orderOf.get(row.id)} ${row.tenant_id}`)
        .sort();
    const expectedRows = orders.map((orderId) => `${orderId} ${tenantOf.get(orderId)}`).sort();
    expect(await stored(schemas.b, TOPIC)).toEqual(expectedRows);
    expect(await stored(schemas.a, 'tenant-hops.order-placed')).toEqual(expectedRows);

    // the poison order's dead letter is filed under its tenant
    expect(await deadLetters()).toEqual([
      { tenant_id: TENANT_B, message_type: TOPIC, error_type: 'OrderRefused', order_id: POISON },
    ]);

    // each flow's audit entries, in both services, carry its request's tenant
    await serviceA.app.get(AuditTrail).flush();
    await serviceB.app.get(AuditTrail).flush();
    const flowTenant = new Map(
      hops.filter((hop) => hop.correlationId).map((hop) => [hop.correlationId!, tenantOf.get(hop.orderId)!]),
    );
    expect(new Set(flowTenant.values()).size).toBe(2);
    expect(flowTenant.size).toBe(orders.length);
    const entries: AuditEntry[] = [...(await audits.a.query({})), ...(await audits.b.query({}))];
    const byResult = (entry: AuditEntry) => `${entry.kind} ${entry.result} ${entry.messageType}`;
    const crossed = entries.filter((entry) => entry.tenantId !== flowTenant.get(entry.correlationId!));
    expect(crossed).toEqual([]);
    expect(entries.map(byResult).sort()).toEqual(
      orders
        .flatMap((orderId) => [
          'publish sent tenant-hops.place-order',
          'handling succeeded tenant-hops.place-order',
          'publish sent tenant-hops.order-placed',
          'handling succeeded tenant-hops.order-placed',
          `publish sent ${TOPIC}`,
          orderId === POISON ? `handling dead-lettered ${TOPIC}` : `handling succeeded ${TOPIC}`,
        ])
        .sort(),
    );
  }, 90_000);
});
