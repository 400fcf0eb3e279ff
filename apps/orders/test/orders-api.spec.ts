import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../src/app.module.js';
import { loadConfig } from '../src/config.js';

const TENANT = '8f2b2c9e-6d1a-4c3b-9a7e-1f0e5d4c3b2a';
const OTHER_TENANT = '1d7a3e55-2b9c-4f60-8e3b-5a4c2d1e0f9a';
const CUSTOMER = '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';

describe('orders service (embedded mode, over HTTP)', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
  });

  const post = (body: unknown, tenant: string | undefined = TENANT) =>
    fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(tenant ? { 'x-tenant-id': tenant } : {}) },
      body: JSON.stringify(body),
    });

  it('creates an order and records its status history through the domain event', async () => {
    const response = await post({
      customerId: CUSTOMER,
      items: [{ sku: 'A-1', quantity: 2, unitPrice: 12.5 }],
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { orderId: string; status: string; totalAmount: number };
    expect(created).toMatchObject({ status: 'pending', totalAmount: 25 });
    let order: { history: unknown[] } | undefined;
    for (let i = 0; i < 100 && !order?.history.length; i++) {
      order = (await (
        await fetch(`${base}/orders/${created.orderId}`, { headers: { 'x-tenant-id': TENANT } })
      ).json()) as { history: unknown[] };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(order).toMatchObject({
      orderId: created.orderId,
      tenantId: TENANT,
      customerId: CUSTOMER,
      status: 'pending',
    });
    expect(order!.history).toEqual([{ status: 'pending', at: expect.any(String) }]);
  });

  it('answers 400 listing the invalid fields', async () => {
    const response = await post({ customerId: 'nope', items: [{ sku: 'A-1', quantity: 0, unitPrice: 1 }] });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { field: string }[] };
    expect(body.errors.map((error) => error.field).sort()).toEqual(['customerId', 'items.0.quantity']);
  });

  it("answers 400 without a valid tenant, and 404 for another tenant's order", async () => {
    expect((await post({ customerId: CUSTOMER, items: [] }, undefined)).status).toBe(400);
    expect((await post({ customerId: CUSTOMER, items: [] }, 'not-a-uuid')).status).toBe(400);
    const created = (await (
      await post({ customerId: CUSTOMER, items: [{ sku: 'B', quantity: 1, unitPrice: 1 }] })
    ).json()) as { orderId: string };
    const response = await fetch(`${base}/orders/${created.orderId}`, {
      headers: { 'x-tenant-id': OTHER_TENANT },
    });
    expect(response.status).toBe(404);
  });
});

describe('orders configuration', () => {
  it('names the variable when the environment is invalid', () => {
    expect(() => loadConfig({ ORDERS_PORT: 'eighty' })).toThrow(/ORDERS_PORT must be a port number/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of/);
    expect(loadConfig({ ORDERS_PORT: '4000', LOG_LEVEL: 'warn' })).toMatchObject({
      port: 4000,
      logLevels: ['fatal', 'error', 'warn'],
    });
  });
});
