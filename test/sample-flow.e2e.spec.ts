// The two sample services as separate processes on the real broker and PostgreSQL: an order placed over
// HTTP is invoiced by billing and settled from billing's answer, per tenant.
import { describe, expect, it } from '@jest/globals';
import {
  awaitOrder,
  call,
  placeOrder,
  settled,
  settledWithHistory,
  type InvoiceView,
} from './support/sample-api.js';
import { sampleEnvironment } from './support/sample-environment.js';
import { freePort, startService, useSample } from './support/service-process.js';

const TENANT_A = '8f2b2c9e-6d1a-4c3b-9a7e-1f0e5d4c3b2a';
const TENANT_B = '1d7a3e55-2b9c-4f60-8e3b-5a4c2d1e0f9a';
const CUSTOMER = '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface AuditView {
  readonly kind: string;
  readonly result: string;
  readonly tenantId: string;
  readonly messageType: string;
  readonly correlationId: string;
}

describe('sample services, each its own process, over Kafka and PostgreSQL', () => {
  const env = sampleEnvironment('flow');
  const sample = useSample(env);

  const invoicesOf = async (tenant: string, orderId: string) =>
    (await call<InvoiceView[]>(sample.billing.url, `/invoices?orderId=${orderId}`, { tenant })).body;

  it('pays an order of at most 10,000 and keeps its status history', async () => {
    const created = await call<{ orderId: string }>(sample.orders.url, '/orders', {
      method: 'POST',
      tenant: TENANT_A,
      body: { customerId: CUSTOMER, items: [{ sku: 'A-1', quantity: 2, unitPrice: 12.5 }] },
    });
    expect(created).toEqual({
      status: 201,
      body: { orderId: expect.stringMatching(UUID), status: 'pending', totalAmount: 25 },
    });
    const { orderId } = created.body;
    const order = await awaitOrder(sample.orders.url, TENANT_A, orderId, settledWithHistory);
    expect(order).toMatchObject({
      orderId,
      tenantId: TENANT_A,
      customerId: CUSTOMER,
      totalAmount: 25,
      status: 'paid',
    });
    expect(order.history.map((entry) => entry.status)).toEqual(['pending', 'paid']);
    expect(Date.parse(order.history[1]!.at)).toBeGreaterThanOrEqual(Date.parse(order.history[0]!.at));
    const invoices = await invoicesOf(TENANT_A, orderId);
    expect(invoices).toEqual([expect.objectContaining({ orderId, amount: 25, status: 'paid' })]);
  }, 60_000);

  it('declines an order above 10,000: payment_failed, one declined invoice', async () => {
    const orderId = await placeOrder(sample.orders.url, TENANT_A, CUSTOMER, 3, 4_000);
    const order = await awaitOrder(sample.orders.url, TENANT_A, orderId, settledWithHistory);
    expect(order).toMatchObject({ totalAmount: 12_000, status: 'payment_failed' });
    expect(order.history.map((entry) => entry.status)).toEqual(['pending', 'payment_failed']);
    expect(await invoicesOf(TENANT_A, orderId)).toEqual([
      expect.objectContaining({ orderId, amount: 12_000, status: 'declined' }),
    ]);
  }, 60_000);

  it('decides at the limit: exactly 10,000 is paid, 10,000.01 declined', async () => {
    const atLimit = await placeOrder(sample.orders.url, TENANT_A, CUSTOMER, 4, 2_500);
    const above = await placeOrder(sample.orders.url, TENANT_A, CUSTOMER, 1, 10_000.01);
    expect(await awaitOrder(sample.orders.url, TENANT_A, atLimit, settled)).toMatchObject({
      totalAmount: 10_000,
      status: 'paid',
    });
    expect(await awaitOrder(sample.orders.url, TENANT_A, above, settled)).toMatchObject({
      totalAmount: 10_000.01,
      status: 'payment_failed',
    });
    expect(await invoicesOf(TENANT_A, atLimit)).toEqual([
      expect.objectContaining({ amount: 10_000, status: 'paid' }),
    ]);
    expect(await invoicesOf(TENANT_A, above)).toEqual([
      expect.objectContaining({ amount: 10_000.01, status: 'declined' }),
    ]);
  }, 60_000);

  it('cancels a declined order once, refuses to cancel a paid one', async () => {
    const paid = await placeOrder(sample.orders.url, TENANT_A, CUSTOMER, 1, 10);
    const declined = await placeOrder(sample.orders.url, TENANT_A, CUSTOMER, 1, 10_000.01);
    await awaitOrder(sample.orders.url, TENANT_A, paid, settled);
    await awaitOrder(sample.orders.url, TENANT_A, declined, settled);

    const refused = await call<{ message: string }>(sample.orders.url, `/orders/${paid}/cancel`, {
      method: 'POST',
      tenant: TENANT_A,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/is paid and can no longer be cancelled/);

    const cancelled = await call(sample.orders.url, `/orders/${declined}/cancel`, {
      method: 'POST',
      tenant: TENANT_A,
    });
    expect(cancelled).toEqual({ status: 200, body: { orderId: declined, status: 'cancelled' } });
    const order = await awaitOrder(sample.orders.url, TENANT_A, declined, (o) => o.history.length === 3);
    expect(order.history.map((entry) => entry.status)).toEqual(['pending', 'payment_failed', 'cancelled']);
    expect(
      (await call(sample.orders.url, `/orders/${declined}/cancel`, { method: 'POST', tenant: TENANT_A }))
        .status,
    ).toBe(409);
    expect(
      (
        await call(sample.orders.url, `/orders/${crypto.randomUUID()}/cancel`, {
          method: 'POST',
          tenant: TENANT_A,
        })
      ).status,
    ).toBe(404);
  }, 60_000);

  it('keeps tenants apart over HTTP', async () => {
    const orderId = await placeOrder(sample.orders.url, TENANT_B, CUSTOMER, 1, 5);
    await awaitOrder(sample.orders.url, TENANT_B, orderId, settled);

    expect((await call(sample.orders.url, `/orders/${orderId}`, { tenant: TENANT_A })).status).toBe(404);
    expect(
      (await call(sample.orders.url, `/orders/${orderId}/cancel`, { method: 'POST', tenant: TENANT_A }))
        .status,
    ).toBe(404);
    expect(await invoicesOf(TENANT_A, orderId)).toEqual([]);
    expect(await invoicesOf(TENANT_B, orderId)).toHaveLength(1);

    const listA = await call<{ orderId: string }[]>(sample.orders.url, '/orders', { tenant: TENANT_A });
    const listB = await call<{ orderId: string }[]>(sample.orders.url, '/orders?status=paid', {
      tenant: TENANT_B,
    });
    expect(listA.body.map((order) => order.orderId)).not.toContain(orderId);
    expect(listB.body.map((order) => order.orderId)).toEqual([orderId]);
  }, 60_000);

  it('answers 400 for a missing or invalid tenant, an invalid body or status filter', async () => {
    const body = { customerId: CUSTOMER, items: [{ sku: 'A-1', quantity: 1, unitPrice: 1 }] };
    expect((await call(sample.orders.url, '/orders', { method: 'POST', body })).status).toBe(400);
    expect(
      (await call(sample.orders.url, '/orders', { method: 'POST', body, tenant: 'not-a-uuid' })).status,
    ).toBe(400);
    expect((await call(sample.billing.url, '/invoices')).status).toBe(400);
    const invalid = await call<{ errors: { field: string }[] }>(sample.orders.url, '/orders', {
      method: 'POST',
      tenant: TENANT_A,
      body: { customerId: 'nope', items: [{ sku: 'A-1', quantity: 0, unitPrice: 1 }] },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error) => error.field).sort()).toEqual([
      'customerId',
      'items.0.quantity',
    ]);
    expect((await call(sample.orders.url, '/orders?status=shipped', { tenant: TENANT_A })).status).toBe(400);
  }, 30_000);

  it.each([
    [{ quantity: 1_000_001, unitPrice: 1 }, ['items.0.quantity']],
    [{ quantity: 1.5, unitPrice: 1 }, ['items.0.quantity']],
    [{ quantity: 1, unitPrice: 1e300 }, ['items', 'items.0.unitPrice']],
    [{ quantity: 1, unitPrice: -0.01 }, ['items.0.unitPrice']],
    [{ quantity: 1, unitPrice: 1.001 }, ['items.0.unitPrice']],
    [{ quantity: 1, unitPrice: 1e-7 }, ['items.0.unitPrice']],
    // Within the line bounds, but a total billing's invoice amount (numeric(12, 2)) cannot hold.
    [{ quantity: 1_000_000, unitPrice: 100_000 }, ['items']],
  ])('answers 400 naming the field of an out-of-range line %j', async (line, fields) => {
    const response = await call<{ errors: { field: string; message: string }[] }>(
      sample.orders.url,
      '/orders',
      { method: 'POST', tenant: TENANT_A, body: { customerId: CUSTOMER, items: [{ sku: 'A-1', ...line }] } },
    );
    expect(response.status).toBe(400);
    expect([...new Set(response.body.errors.map((error) => error.field))].sort()).toEqual(fields);
  });

  it('accepts the largest total billing can invoice', async () => {
    const created = await call<{ orderId: string; totalAmount: number }>(sample.orders.url, '/orders', {
      method: 'POST',
      tenant: TENANT_B,
      body: {
        customerId: CUSTOMER,
        items: [
          { sku: 'A-1', quantity: 9_999, unitPrice: 1_000_000 },
          { sku: 'A-2', quantity: 1, unitPrice: 999_999.99 },
        ],
      },
    });
    expect(created).toMatchObject({ status: 201, body: { totalAmount: 9_999_999_999.99 } });
    const { orderId } = created.body;
    expect(await awaitOrder(sample.orders.url, TENANT_B, orderId, settled)).toMatchObject({
      status: 'payment_failed',
    });
    expect(await invoicesOf(TENANT_B, orderId)).toEqual([
      expect.objectContaining({ amount: 9_999_999_999.99, status: 'declined' }),
    ]);
  }, 60_000);

  it('refuses an invalid APP_ENV at startup with one line naming it and exit code 1', async () => {
    const invalid = { ...env, extra: { ...env.extra, APP_ENV: 'bad env' } };
    await expect(startService('orders', invalid, await freePort())).rejects.toThrow(
      new Error(
        "orders exited with 1:\ninvalid configuration: APP_ENV must be 1-100 characters of [a-zA-Z0-9._-] (got 'bad env')\n",
      ),
    );
  }, 30_000);

  it('follows one order through both services in the audit trail, by correlation id', async () => {
    const tenant = crypto.randomUUID();
    const orderId = await placeOrder(sample.orders.url, tenant, CUSTOMER, 1, 7);
    await awaitOrder(
      sample.orders.url,
      tenant,
      orderId,
      (order) => order.status === 'paid' && order.history.length === 2,
    );
    const own = await call<AuditView[]>(sample.orders.url, '/audit', { tenant });
    const correlationId = own.body.find(
      (entry) => entry.messageType === 'orders.create-order',
    )!.correlationId;

    const expected = [
      ['publish', 'sent', 'app_domain.orders.order-created'],
      ['handling', 'succeeded', 'orders.create-order'],
      ['handling', 'succeeded', 'app_domain.orders.order-created'],
      ['publish', 'sent', 'app_domain.billing.payment-completed'],
      ['handling', 'succeeded', 'app_domain.billing.payment-completed'],
      ['handling', 'succeeded', 'orders.order-status-changed'],
    ];
    let flow: AuditView[] = [];
    const complete = () =>
      expected.every(([kind, result, type]) =>
        flow.some((entry) => entry.kind === kind && entry.result === result && entry.messageType === type),
      );
    for (let i = 0; i < 100 && !complete(); i++) {
      flow = (
        await call<AuditView[]>(sample.billing.url, `/audit?correlationId=${correlationId}`, { tenant })
      ).body;
      if (!complete()) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(flow.map((entry) => [entry.kind, entry.result, entry.messageType])).toEqual(
      expect.arrayContaining(expected),
    );
    expect(new Set(flow.map((entry) => entry.tenantId))).toEqual(new Set([tenant]));
    expect(new Set(flow.map((entry) => entry.correlationId))).toEqual(new Set([correlationId]));
    // Tenant-scoped: another tenant sees nothing of this flow.
    expect(
      (
        await call<AuditView[]>(sample.billing.url, `/audit?correlationId=${correlationId}`, {
          tenant: TENANT_A,
        })
      ).body,
    ).toEqual([]);
  }, 60_000);

  it('reports database, broker and outbox health', async () => {
    for (const service of [sample.orders, sample.billing]) {
      const health = await call<{ status: string; details: Record<string, { status: string }> }>(
        service.url,
        '/health',
      );
      expect(health.status).toBe(200);
      expect(health.body.details).toMatchObject({
        database: { status: 'up' },
        broker: { status: 'up', kind: 'kafka' },
        outbox: { status: 'up', backlog: expect.any(Number), oldestAgeMs: expect.any(Number) },
      });
    }
  }, 30_000);
  it('stops gracefully on SIGTERM: exit 0, node unregistered, nothing left unsent', async () => {
    for (const service of [sample.orders, sample.billing]) {
      await service.stop();
      expect(service.child.exitCode).toBe(0);
      expect(service.output()).not.toMatch(/Driver not Connected|ERROR/);
      const schema = env.schemas[service.name];
      const [nodes] = await env.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".nodes`);
      const [unsent] = await env.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".outgoing`);
      expect({ service: service.name, nodes: nodes!.n, unsent: unsent!.n }).toEqual({
        service: service.name,
        nodes: 0,
        unsent: 0,
      });
    }
  }, 60_000);
});
