// `npm start`'s setup as a test: both services in one process on the embedded defaults (PGlite and
// the in-memory broker), driven over HTTP.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule as BillingModule } from '../../billing/src/app.module.js';
import { BILLING_VARIABLES, billingService } from '../../billing/src/billing-service.js';
import { AppModule as OrdersModule } from '../../orders/src/app.module.js';
import { ORDERS_VARIABLES, ordersService } from '../../orders/src/orders-service.js';
import { loadServiceConfig } from '../../shared/src/config/service-config.js';
import { closeService } from '../../shared/src/platform/close-service.js';
import {
  awaitOrder,
  call,
  placeOrder,
  settledWithHistory,
  type InvoiceView,
} from '../../../test/support/sample-api.js';

const TENANT = '8f2b2c9e-6d1a-4c3b-9a7e-1f0e5d4c3b2a';
const CUSTOMER = '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
const EMBEDDED = { ORDERS_PORT: '0', BILLING_PORT: '0', LOG_LEVEL: 'error' };

describe('orders and billing in one process on the embedded defaults', () => {
  const apps: INestApplication[] = [];
  let ordersUrl: string;
  let billingUrl: string;

  const start = async (module: Parameters<typeof NestFactory.create>[0]) => {
    const app = await NestFactory.create(module, { logger: false });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    return (await app.getUrl()).replace('[::1]', '127.0.0.1');
  };

  beforeAll(async () => {
    const orders = loadServiceConfig(ORDERS_VARIABLES, EMBEDDED);
    const billing = loadServiceConfig(BILLING_VARIABLES, EMBEDDED);
    expect(orders.broker.kind).toBe('in-memory');
    expect(orders.database.kind).toBe('pglite');
    ordersUrl = await start(OrdersModule.forService(ordersService(orders)));
    billingUrl = await start(BillingModule.forService(billingService(billing)));
  }, 60_000);

  afterAll(async () => {
    for (const app of apps.reverse()) await closeService(app);
  });

  it('takes an order to paid, or to payment_failed above 10,000, with one invoice each', async () => {
    const small = await placeOrder(ordersUrl, TENANT, CUSTOMER, 2, 12.5);
    const large = await placeOrder(ordersUrl, TENANT, CUSTOMER, 2, 6_000);
    const paid = await awaitOrder(ordersUrl, TENANT, small, settledWithHistory, 10_000);
    const failed = await awaitOrder(ordersUrl, TENANT, large, settledWithHistory, 10_000);
    expect(paid).toMatchObject({ status: 'paid', totalAmount: 25, tenantId: TENANT });
    expect(failed).toMatchObject({ status: 'payment_failed', totalAmount: 12_000 });
    expect(paid.history.map((entry) => entry.status)).toEqual(['pending', 'paid']);
    expect(failed.history.map((entry) => entry.status)).toEqual(['pending', 'payment_failed']);
    const invoices = await call<InvoiceView[]>(billingUrl, '/invoices', { tenant: TENANT });
    expect(invoices.body.map((invoice) => [invoice.orderId, invoice.status]).sort()).toEqual(
      [
        [small, 'paid'],
        [large, 'declined'],
      ].sort(),
    );
  }, 30_000);

  it('reports health on the embedded broker and database', async () => {
    const health = await call<{ details: Record<string, unknown> }>(ordersUrl, '/health');
    expect(health.status).toBe(200);
    expect(health.body.details).toMatchObject({
      broker: { kind: 'in-memory', status: 'up' },
      database: { status: 'up' },
    });
  });
});
