import { request } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Injectable, Param, Post } from '@nestjs/common';
import { EventHandler, EventTopic, MessageBus, MessageContext } from '@momentum/messaging';
import {
  HeaderTenantResolver,
  JwtClaimTenantResolver,
  SubdomainTenantResolver,
  TenantAgnostic,
  TenantContext,
  type TenancyModuleOptions,
  type TenantResolver,
} from '@momentum/tenancy';
import { startTenancyApp, TENANT_A, TENANT_B, type TenancyTestApp } from './support/tenancy-app.js';

const ORDER_PLACED = 'app_domain.orders.order-placed';

@EventTopic(ORDER_PLACED)
class OrderPlaced {
  constructor(readonly orderId: string) {}
}

/** A service deep in the request: reads the tenant by injection, publishes an event. */
@Injectable()
class OrderService {
  constructor(
    private readonly tenants: TenantContext,
    private readonly bus: MessageBus,
  ) {}

  async place(orderId: string): Promise<string> {
    const tenant = this.tenants.require();
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 10)); // interleave requests
    await this.bus.publish(new OrderPlaced(orderId));
    return this.tenants.require() === tenant ? tenant : `changed to ${this.tenants.current()}`;
  }
}

/** Consumes the event from the broker, recording both the message's tenant and the context's. */
@Injectable()
class OrderPlacedHandler {
  readonly seen: { orderId: string; messageTenant?: string; contextTenant?: string }[] = [];
  constructor(private readonly tenants: TenantContext) {}

  @EventHandler()
  on(event: OrderPlaced, context: MessageContext): void {
    this.seen.push({
      orderId: event.orderId,
      messageTenant: context.tenantId,
      contextTenant: this.tenants.current(),
    });
  }
}

@Controller('orders')
class OrdersController {
  constructor(private readonly orders: OrderService) {}

  @Post(':id')
  async place(@Param('id') id: string): Promise<{ tenant: string }> {
    return { tenant: await this.orders.place(id) };
  }
}

@TenantAgnostic()
@Controller('health')
class HealthController {
  constructor(private readonly tenants: TenantContext) {}

  @Get()
  health(): { tenant: string | null } {
    return { tenant: this.tenants.current() ?? null };
  }
}

@Controller('catalog')
class CatalogController {
  constructor(private readonly tenants: TenantContext) {}

  @TenantAgnostic()
  @Get('public')
  publicCatalog(): { tenant: string | null } {
    return { tenant: this.tenants.current() ?? null };
  }

  @Get('mine')
  mine(): { tenant: string } {
    return { tenant: this.tenants.require() };
  }
}

const controllers = [OrdersController, HealthController, CatalogController];
const providers = [OrderService, OrderPlacedHandler];

/** A JWT with an unverifiable signature: the resolver only decodes the payload. */
function jwt(payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.not-a-real-signature`;
}

/** GET with a chosen `Host` header, which `fetch` does not let a caller set. */
function getWithHost(url: string, host: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const call = request(url, { headers: { host } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }),
      );
    });
    call.on('error', reject);
    call.end();
  });
}

async function json(response: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('HTTP tenant resolution', () => {
  let harness: TenancyTestApp | undefined;
  const start = async (tenancy: TenancyModuleOptions = {}) => {
    harness = await startTenancyApp({ tenancy, controllers, providers, http: true });
    return harness;
  };
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  describe('header (default x-tenant-id)', () => {
    it('puts a valid tenant in the TenantContext of services and on the published message', async () => {
      const { url, broker, get, waitFor } = await start();
      const response = await fetch(`${url}/orders/o-1`, {
        method: 'POST',
        headers: { 'x-tenant-id': TENANT_A },
      });
      expect(await json(response)).toEqual({ status: 201, body: { tenant: TENANT_A } });
      const [record] = broker.records(ORDER_PLACED);
      expect(record?.headers['ce_tenantid']).toBe(TENANT_A);
      expect(record?.key).toBe(TENANT_A);
      await waitFor(() => get(OrderPlacedHandler).seen.length === 1);
      expect(get(OrderPlacedHandler).seen).toEqual([
        { orderId: 'o-1', messageTenant: TENANT_A, contextTenant: TENANT_A },
      ]);
    });

    it('keeps concurrent requests of different tenants apart', async () => {
      const { url, broker, get, waitFor } = await start();
      const requests = Array.from({ length: 40 }, (_, i) => ({
        id: `o-${i}`,
        tenant: i % 2 ? TENANT_A : TENANT_B,
      }));
      const answers = await Promise.all(
        requests.map(({ id, tenant }) =>
          fetch(`${url}/orders/${id}`, { method: 'POST', headers: { 'x-tenant-id': tenant } }).then(json),
        ),
      );
      expect(answers.map((a) => a.body.tenant)).toEqual(requests.map((r) => r.tenant));
      const tenantOfOrder = new Map(requests.map((r) => [r.id, r.tenant]));
      for (const record of broker.records(ORDER_PLACED)) {
        const { orderId } = JSON.parse(record.value!.toString()) as { orderId: string };
        expect(record.headers['ce_tenantid']).toBe(tenantOfOrder.get(orderId));
      }
      await waitFor(() => get(OrderPlacedHandler).seen.length === requests.length);
      for (const seen of get(OrderPlacedHandler).seen) {
        expect(seen.messageTenant).toBe(tenantOfOrder.get(seen.orderId));
        expect(seen.contextTenant).toBe(seen.messageTenant);
      }
    });

    it('answers 400 naming where it looked when a tenant-scoped route gets no tenant', async () => {
      const { url, broker } = await start();
      const response = await fetch(`${url}/orders/o-1`, { method: 'POST' });
      expect(await json(response)).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: "A tenant is required: the request names none (looked in header 'x-tenant-id')",
        },
      });
      expect(broker.records(ORDER_PLACED)).toEqual([]);
    });

    it('answers 400 with the expected format for a malformed tenant id', async () => {
      const { url, broker } = await start();
      const response = await fetch(`${url}/orders/o-1`, {
        method: 'POST',
        headers: { 'x-tenant-id': 'acme' },
      });
      expect(await json(response)).toMatchObject({
        status: 400,
        body: { message: `Invalid tenant id "acme" from header 'x-tenant-id': expected a UUID` },
      });
      const doubled = await fetch(`${url}/catalog/mine`, {
        headers: [
          ['x-tenant-id', TENANT_A],
          ['x-tenant-id', TENANT_B],
        ],
      });
      expect(doubled.status).toBe(400);
      expect(broker.records(ORDER_PLACED)).toEqual([]);
    });

    it('reads a configured header name and a configured id format', async () => {
      const { url } = await start({ header: 'X-Org', tenantIdFormat: /^[a-z]{3,10}$/ });
      expect(await json(await fetch(`${url}/catalog/mine`, { headers: { 'x-org': 'acme' } }))).toEqual({
        status: 200,
        body: { tenant: 'acme' },
      });
      expect(
        (await json(await fetch(`${url}/catalog/mine`, { headers: { 'x-org': 'ACME!' } }))).body.message,
      ).toBe(`Invalid tenant id "ACME!" from header 'x-org': expected an id matching /^[a-z]{3,10}$/`);
    });
  });

  describe('@TenantAgnostic()', () => {
    it('lets agnostic controllers and methods answer without a tenant, while their siblings still require one', async () => {
      const { url } = await start();
      expect(await json(await fetch(`${url}/health`))).toEqual({ status: 200, body: { tenant: null } });
      expect(await json(await fetch(`${url}/catalog/public`))).toEqual({
        status: 200,
        body: { tenant: null },
      });
      expect((await fetch(`${url}/catalog/mine`)).status).toBe(400);
    });

    it('still puts a valid tenant in the context, and ignores a malformed one instead of failing', async () => {
      const { url } = await start();
      const withTenant = await fetch(`${url}/health`, { headers: { 'x-tenant-id': TENANT_B } });
      expect(await json(withTenant)).toEqual({ status: 200, body: { tenant: TENANT_B } });
      const malformed = await fetch(`${url}/catalog/public`, { headers: { 'x-tenant-id': 'nope' } });
      expect(await json(malformed)).toEqual({ status: 200, body: { tenant: null } });
    });
  });

  describe('JWT claim resolver', () => {
    const tenancy = { resolvers: [new JwtClaimTenantResolver({ claim: 'tid' }), new HeaderTenantResolver()] };

    it('reads the claim from the bearer token payload without verifying the signature', async () => {
      const { url } = await start(tenancy);
      const response = await fetch(`${url}/catalog/mine`, {
        headers: { authorization: `Bearer ${jwt({ sub: 'u-1', tid: TENANT_A })}`, 'x-tenant-id': TENANT_B },
      });
      expect(await json(response)).toEqual({ status: 200, body: { tenant: TENANT_A } });
    });

    it('falls through to the next resolver when the token is malformed or lacks the claim', async () => {
      const { url } = await start(tenancy);
      for (const authorization of [
        'Bearer not.a-jwt',
        `Bearer ${jwt({ sub: 'u-1' })}`,
        'Basic dXNlcjpwdw==',
      ]) {
        const response = await fetch(`${url}/catalog/mine`, {
          headers: { authorization, 'x-tenant-id': TENANT_B },
        });
        expect(await json(response)).toEqual({ status: 200, body: { tenant: TENANT_B } });
      }
    });

    it('answers 400 naming every place it looked, or the claim that held a malformed id', async () => {
      const { url } = await start(tenancy);
      expect((await json(await fetch(`${url}/catalog/mine`))).body.message).toBe(
        "A tenant is required: the request names none (looked in claim 'tid' of the bearer token, header 'x-tenant-id')",
      );
      const bad = await fetch(`${url}/catalog/mine`, {
        headers: { authorization: `Bearer ${jwt({ tid: 'x'.repeat(500) })}`, 'x-tenant-id': TENANT_B },
      });
      expect((await json(bad)).body.message).toBe(
        `Invalid tenant id "${'x'.repeat(64)}…" from claim 'tid' of the bearer token: expected a UUID`,
      );
    });
  });

  describe('subdomain resolver', () => {
    const tenancy = {
      resolvers: [new SubdomainTenantResolver({ baseDomain: 'shop.test' })],
      tenantIdFormat: /^[a-z][a-z0-9-]{1,30}$/,
    };

    it('reads the tenant from the first label below the base domain', async () => {
      const { url } = await start(tenancy);
      const port = new URL(url).port;
      expect(await getWithHost(`${url}/catalog/mine`, `Acme.shop.test:${port}`)).toEqual({
        status: 200,
        body: { tenant: 'acme' },
      });
    });

    it('finds no tenant on the base domain itself or deeper subdomains', async () => {
      const { url } = await start(tenancy);
      for (const host of ['shop.test', 'a.b.shop.test', 'acme.other.test']) {
        expect(await getWithHost(`${url}/catalog/mine`, host)).toMatchObject({
          status: 400,
          body: {
            message: "A tenant is required: the request names none (looked in subdomain of 'shop.test')",
          },
        });
      }
    });
  });

  it('answers 500 without running the route when a custom resolver fails', async () => {
    const failing: TenantResolver = {
      description: 'tenant directory',
      resolve: async () => {
        throw new Error('directory unavailable');
      },
    };
    const { url, broker } = await start({ resolvers: [failing] });
    const response = await fetch(`${url}/orders/o-1`, {
      method: 'POST',
      headers: { 'x-tenant-id': TENANT_A },
    });
    expect(response.status).toBe(500);
    expect(broker.records(ORDER_PLACED)).toEqual([]);
  });
});
