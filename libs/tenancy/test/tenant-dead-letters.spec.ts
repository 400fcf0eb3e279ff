import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { trackActivity } from '@momentum/testing';
import { DomainEvent, EventHandler, NonRetryableError } from '@momentum/messaging';
import { MissingTenantError, TenantContext, TenantDeadLetters } from '@momentum/tenancy';
import { startTenancyApp, TENANT_A, TENANT_B, type TenancyTestApp } from './support/tenancy-app.js';

@DomainEvent()
class ImportRow {
  constructor(readonly row: number) {}
}

class BadRowError extends NonRetryableError {
  override name = 'BadRowError';
}

@Injectable()
class Handlers {
  @EventHandler()
  importRow(event: ImportRow): void {
    throw new BadRowError(`row ${event.row} is malformed`);
  }
}

describe('TenantDeadLetters', () => {
  let harness: TenancyTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("lists only the current tenant's dead letters unless asked for all explicitly", async () => {
    harness = await startTenancyApp({ providers: [Handlers] });
    const { app, get } = harness;
    const tenants = get(TenantContext);
    const publish = (tenant: string, row: number) =>
      tenants.run(tenant, () => trackActivity(app).doNotFailOnHandlerErrors().publish(new ImportRow(row)));
    await publish(TENANT_A, 1);
    await publish(TENANT_B, 2);
    await publish(TENANT_A, 3);
    const deadLetters = get(TenantDeadLetters);

    const forA = await tenants.run(TENANT_A, () => deadLetters.list());
    expect(forA.map((l) => [l.tenantId, l.errorMessage]).sort()).toEqual([
      [TENANT_A, 'row 1 is malformed'],
      [TENANT_A, 'row 3 is malformed'],
    ]);
    // a tenant cannot widen its own scope through the query
    const sneaky = await tenants.run(TENANT_A, () => deadLetters.list({ tenantId: TENANT_B } as never));
    expect(sneaky.map((l) => l.tenantId)).toEqual([TENANT_A, TENANT_A]);
    expect((await tenants.run(TENANT_B, () => deadLetters.list())).map((l) => l.errorMessage)).toEqual([
      'row 2 is malformed',
    ]);
    expect(await tenants.run(TENANT_A, () => deadLetters.list({ limit: 1 }))).toHaveLength(1);

    await expect(deadLetters.list()).rejects.toThrow(MissingTenantError);
    expect(await deadLetters.listAllTenants()).toHaveLength(3);
    expect(await deadLetters.listAllTenants({ tenantId: TENANT_B })).toHaveLength(1);
  });
});
