// The audit trail on the real PostgreSQL that `npm test` provides (DATABASE_URL). Each run uses its
// own schema with a random suffix, dropped afterwards, so suites can run in parallel.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import pg from 'pg';
import { trackActivity } from '@momentum/testing';
import { DomainEvent, EventHandler, EventTopic, MessageContext } from '@momentum/messaging';
import {
  AuditTrail,
  PostgresAuditSink,
  TenancyConfigurationError,
  TenantContext,
  type AuditEntry,
} from '@momentum/tenancy';
import { startTenancyApp, TENANT_A, TENANT_B, type TenancyTestApp } from './support/tenancy-app.js';

const DATABASE_URL = process.env.DATABASE_URL;
const SCHEMA = `tenancy_audit_${randomBytes(4).toString('hex')}`;
const INVOICE_REQUESTED = 'app_domain.billing.invoice-requested';

@DomainEvent()
class OrderConfirmed {
  constructor(readonly orderId: string) {}
}
@EventTopic(INVOICE_REQUESTED)
class InvoiceRequested {
  constructor(readonly orderId: string) {}
}
@DomainEvent()
class InvoiceDrafted {
  constructor(readonly orderId: string) {}
}

/** orders → billing → drafting, all in one app: one business flow of three messages. */
@Injectable()
class Handlers {
  @EventHandler()
  orderConfirmed(event: OrderConfirmed): InvoiceRequested {
    return new InvoiceRequested(event.orderId);
  }

  @EventHandler()
  invoiceRequested(event: InvoiceRequested, context: MessageContext): Promise<void> {
    return context.bus.publish(new InvoiceDrafted(event.orderId));
  }

  @EventHandler()
  invoiceDrafted(_event: InvoiceDrafted): void {}
}

describe('PostgresAuditSink (real PostgreSQL)', () => {
  let admin: pg.Client;
  let harness: TenancyTestApp | undefined;

  beforeAll(async () => {
    if (!DATABASE_URL)
      throw new Error("DATABASE_URL is not set; run the suites with 'npm test' (scripts/test.sh all)");
    admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  afterAll(async () => {
    await admin?.query(`drop schema if exists "${SCHEMA}" cascade`);
    await admin?.end();
  });

  const start = (table: string, retryDelayMs = 1_000) =>
    startTenancyApp({
      tenancy: {
        audit: {
          sink: new PostgresAuditSink({ connectionString: DATABASE_URL!, schema: SCHEMA, table }),
          retryDelayMs,
        },
      },
      providers: [Handlers],
    });

  const placeOrder = async (app: TenancyTestApp, tenant: string, orderId: string) =>
    app.get(TenantContext).run(tenant, () => trackActivity(app.app).publish(new OrderConfirmed(orderId)));

  it('creates its schema and table when missing, concurrent starts included', async () => {
    const sinks = [1, 2, 3].map(
      () => new PostgresAuditSink({ connectionString: DATABASE_URL!, schema: SCHEMA, table: 'created' }),
    );
    await Promise.all(sinks.map((sink) => sink.init()));
    await Promise.all(sinks.map((sink) => sink.close()));
    const { rows } = await admin.query<{ column_name: string }>(
      'select column_name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position',
      [SCHEMA, 'created'],
    );
    expect(rows.map((r) => r.column_name)).toEqual([
      'seq',
      'kind',
      'result',
      'tenant_id',
      'message_id',
      'message_type',
      'topic',
      'destination',
      'handler',
      'correlation_id',
      'causation_id',
      'reason',
      'at',
    ]);
  });

  it('records a publish and handling flow, queryable per tenant and per correlation id', async () => {
    harness = await start('flows');
    await placeOrder(harness, TENANT_A, 'o-a');
    await placeOrder(harness, TENANT_B, 'o-b');
    const trail = harness.get(AuditTrail);
    const tenants = harness.get(TenantContext);
    await trail.flush();

    const forA = await tenants.run(TENANT_A, () => trail.query());
    expect(forA).toHaveLength(6);
    expect(new Set(forA.map((e) => e.tenantId))).toEqual(new Set([TENANT_A]));

    const correlationId = forA[0]!.correlationId!;
    const flow = await tenants.run(TENANT_A, () => trail.flow(correlationId));
    const shape = (e: AuditEntry) => [e.kind, e.result, e.messageType, e.handler ?? e.destination].join(' ');
    // handlers run concurrently, so only each message's own order is fixed: published before handled
    expect(flow.map(shape).sort()).toEqual(
      [
        'publish sent OrderConfirmed queue domain-events',
        'handling succeeded OrderConfirmed Handlers.orderConfirmed',
        `publish sent ${INVOICE_REQUESTED} in-memory:${INVOICE_REQUESTED}`,
        `handling succeeded ${INVOICE_REQUESTED} Handlers.invoiceRequested`,
        'publish sent InvoiceDrafted queue domain-events',
        'handling succeeded InvoiceDrafted Handlers.invoiceDrafted',
      ].sort(),
    );
    const entryOf = (kind: string, type: string) =>
      flow.find((e) => e.kind === kind && e.messageType === type)!;
    for (const type of ['OrderConfirmed', INVOICE_REQUESTED, 'InvoiceDrafted'])
      expect(flow.indexOf(entryOf('publish', type))).toBeLessThan(flow.indexOf(entryOf('handling', type)));
    // causation links each message to the one whose handler produced it
    const confirmed = entryOf('publish', 'OrderConfirmed');
    const requested = entryOf('publish', INVOICE_REQUESTED);
    expect(confirmed.messageId).toBe(correlationId);
    expect(requested.causationId).toBe(confirmed.messageId);
    expect(entryOf('publish', 'InvoiceDrafted').causationId).toBe(requested.messageId);
    expect(requested.topic).toBe(INVOICE_REQUESTED);
    expect(flow.every((e) => e.at instanceof Date && e.tenantId === TENANT_A)).toBe(true);

    // tenant B cannot follow tenant A's flow, even knowing its correlation id
    expect(await tenants.run(TENANT_B, () => trail.flow(correlationId))).toEqual([]);
    expect(await trail.queryAllTenants({ tenantId: TENANT_B })).toHaveLength(6);
    expect(await trail.queryAllTenants({ correlationId })).toEqual(flow);

    const { rows } = await admin.query<{ tenant_id: string; n: number }>(
      `select tenant_id, count(*)::int as n from "${SCHEMA}"."flows" group by tenant_id order by tenant_id`,
    );
    expect(rows).toEqual([
      { tenant_id: TENANT_A, n: 6 },
      { tenant_id: TENANT_B, n: 6 },
    ]);
  });

  it('keeps entries through a database outage and writes them once the table is back', async () => {
    harness = await start('outage', 20);
    await admin.query(`alter table "${SCHEMA}"."outage" rename to "outage_away"`);
    await placeOrder(harness, TENANT_A, 'o-1'); // handling is not disturbed: the session succeeds
    await new Promise((resolve) => setTimeout(resolve, 60)); // let a few writes fail
    await admin.query(`alter table "${SCHEMA}"."outage_away" rename to "outage"`);
    await harness.get(AuditTrail).flush();
    const { rows } = await admin.query<{ n: number }>(`select count(*)::int as n from "${SCHEMA}"."outage"`);
    expect(rows[0]!.n).toBe(6);
  });

  it('fails startup with a clear error when the database cannot be reached', async () => {
    const sink = new PostgresAuditSink({
      connectionString: 'postgres://nobody@127.0.0.1:1/none',
      schema: SCHEMA,
    });
    await expect(startTenancyApp({ tenancy: { audit: { sink } }, providers: [Handlers] })).rejects.toThrow(
      `PostgresAuditSink: cannot connect to create "${SCHEMA}"."audit_trail": connect ECONNREFUSED`,
    );
  });

  it('refuses a schema or table name that is not a plain identifier', () => {
    expect(
      () => new PostgresAuditSink({ connectionString: DATABASE_URL!, table: 'audit"; drop table x; --' }),
    ).toThrow(TenancyConfigurationError);
    expect(() => new PostgresAuditSink({ connectionString: DATABASE_URL!, schema: 'Public' })).toThrow(
      "TenancyModule option 'audit.sink.schema' must be a lower-case SQL identifier",
    );
  });
});
