import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Injectable, Logger } from '@nestjs/common';
import { trackActivity } from '@momentum/testing';
import { DomainEvent, EventHandler } from '@momentum/messaging';
import { TenantContext, TenantLogger } from '@momentum/tenancy';
import { startTenancyApp, TENANT_A, type TenancyTestApp } from './support/tenancy-app.js';

@DomainEvent()
class Shipped {}

@Injectable()
class Handlers {
  private readonly logger = new Logger('Shipping');

  @EventHandler()
  shipped(_event: Shipped): void {
    this.logger.log('parcel handed over');
  }
}

describe('TenantLogger', () => {
  let harness: TenancyTestApp | undefined;
  let lines: string[];

  beforeEach(() => {
    lines = [];
    // capture what the logger writes; the logger itself is the real one
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    jest.restoreAllMocks();
  });

  it('adds tenant=<id> to every line written inside a tenant, Loggers in message handlers included', async () => {
    harness = await startTenancyApp({ providers: [Handlers] });
    const { app, get } = harness;
    app.useLogger(new TenantLogger(get(TenantContext), { colors: false }));
    await get(TenantContext).run(TENANT_A, () => trackActivity(app).publish(new Shipped()));
    new Logger('Startup').log('outside any tenant');
    const handled = lines.find((line) => line.includes('parcel handed over'));
    expect(handled).toMatch(new RegExp(`\\[Shipping\\] tenant=${TENANT_A} parcel handed over`));
    const outside = lines.find((line) => line.includes('outside any tenant'));
    expect(outside).toMatch(/\[Startup\] outside any tenant/);
    expect(outside).not.toContain('tenant=');
  });

  it('adds a tenant field in JSON mode', async () => {
    harness = await startTenancyApp();
    const { get } = harness;
    const tenants = get(TenantContext);
    const logger = new TenantLogger(tenants, { json: true });
    tenants.run(TENANT_A, () => logger.log('json line', 'Orders'));
    logger.log('no tenant', 'Orders');
    const [inside, outside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ message: 'json line', context: 'Orders', tenant: TENANT_A });
    expect(outside).not.toHaveProperty('tenant');
  });

  it('is provided by the module for app.useLogger(app.get(TenantLogger))', async () => {
    harness = await startTenancyApp();
    const { get } = harness;
    const logger = get(TenantLogger);
    get(TenantContext).run(TENANT_A, () => logger.warn('careful', 'Billing'));
    // eslint-disable-next-line no-control-regex -- strips the colours of a terminal
    const plain = lines.join('').replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(new RegExp(`WARN \\[Billing\\] tenant=${TENANT_A} careful`));
  });
});
