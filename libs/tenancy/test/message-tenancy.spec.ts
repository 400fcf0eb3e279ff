import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { trackActivity } from '@momentum/testing';
import {
  DEAD_LETTER_STORE,
  DomainEvent,
  EventHandler,
  EventTopic,
  MessageContext,
  encodeCloudEvent,
  type DeadLetterStore,
  type Envelope,
} from '@momentum/messaging';
import { TenantAgnostic, TenantContext } from '@momentum/tenancy';
import { startTenancyApp, TENANT_A, TENANT_B, type TenancyTestApp } from './support/tenancy-app.js';

const TENANT_C = '33333333-3333-4333-8333-333333333333';
const STOCK_CHANGED = 'app_domain.stock.stock-changed';
const WAREHOUSE_PINGED = 'app_domain.stock.warehouse-pinged';

@DomainEvent()
class ItemAdded {
  constructor(readonly sequence: number) {}
}
@DomainEvent()
class Heartbeat {}
@EventTopic(STOCK_CHANGED)
class StockChanged {
  constructor(
    readonly sku: string,
    readonly tenantId?: string,
  ) {}
}

/** A repository-like service: it never receives the tenant as an argument, only through the context. */
@EventTopic(WAREHOUSE_PINGED)
class WarehousePinged {}

@Injectable()
class TenantScopedRepository {
  constructor(private readonly tenants: TenantContext) {}

  async currentTenant(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    return this.tenants.require();
  }
}

interface Observation {
  readonly key: string;
  readonly messageTenant?: string;
  readonly contextTenant?: string;
  readonly repositoryTenant?: string;
}

@Injectable()
class Handlers {
  readonly observations: Observation[] = [];
  constructor(
    private readonly tenants: TenantContext,
    private readonly repository: TenantScopedRepository,
  ) {}

  @EventHandler()
  async itemAdded(event: ItemAdded, context: MessageContext): Promise<void> {
    const before = this.tenants.current();
    const repositoryTenant = await this.repository.currentTenant();
    const after = this.tenants.current();
    this.observations.push({
      key: `item:${event.sequence}`,
      messageTenant: context.tenantId,
      contextTenant: before === after ? before : `changed from ${before} to ${after}`,
      repositoryTenant,
    });
  }

  @EventHandler()
  async stockChanged(event: StockChanged, context: MessageContext): Promise<void> {
    const repositoryTenant = await this.repository.currentTenant();
    this.observations.push({
      key: `stock:${event.sku}`,
      messageTenant: context.tenantId,
      contextTenant: this.tenants.current(),
      repositoryTenant,
    });
  }

  @TenantAgnostic()
  @EventHandler()
  heartbeat(_event: Heartbeat, context: MessageContext): void {
    this.observations.push({
      key: 'heartbeat',
      messageTenant: context.tenantId,
      contextTenant: this.tenants.current(),
    });
  }

  @TenantAgnostic()
  @EventHandler()
  warehousePinged(_event: WarehousePinged, context: MessageContext): void {
    this.observations.push({
      key: 'ping',
      messageTenant: context.tenantId,
      contextTenant: this.tenants.current(),
    });
  }
}

/** A CloudEvent record as another service would put it on the broker. */
function foreignRecord(
  sku: string,
  headers: { tenantId?: string },
  body: object = { sku },
  topic = STOCK_CHANGED,
) {
  const envelope: Envelope = {
    id: `evt-${sku}`,
    type: topic,
    message: body,
    correlationId: `evt-${sku}`,
    tenantId: headers.tenantId,
    source: '/app_domain/warehouse',
    time: new Date().toISOString(),
    headers: {},
  };
  return encodeCloudEvent(envelope, topic);
}

describe('tenant-scoped message handling', () => {
  let harness: TenancyTestApp | undefined;
  const start = async () => {
    harness = await startTenancyApp({
      providers: [Handlers, TenantScopedRepository],
      messaging: { queues: { 'domain-events': { parallelism: 8, orderedByKey: false } } },
    });
    return harness;
  };
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('runs a handler, and the services it calls, in the message tenant context', async () => {
    const { app, get } = await start();
    const tenants = get(TenantContext);
    await tenants.run(TENANT_A, () => trackActivity(app).publish(new ItemAdded(1)));
    expect(get(Handlers).observations).toEqual([
      { key: 'item:1', messageTenant: TENANT_A, contextTenant: TENANT_A, repositoryTenant: TENANT_A },
    ]);
  });

  it('dead-letters a message without a tenant at once, with the reason, never running the handler', async () => {
    const { app, get } = await start();
    const session = await trackActivity(app).doNotFailOnHandlerErrors().publish(new ItemAdded(2));
    expect(get(Handlers).observations).toEqual([]);
    expect(session.failed.count).toBe(1); // non-retryable: no retries
    const [letter] = await app.get<DeadLetterStore>(DEAD_LETTER_STORE).list();
    expect(letter).toMatchObject({ errorType: 'MissingTenantError', attempts: 1, tenantId: undefined });
    expect(letter!.errorMessage).toBe(
      `ItemAdded ${letter!.messageId} has no tenant (no tenant extension, no tenantId property), but ` +
        'Handlers.itemAdded is tenant-scoped; mark it @TenantAgnostic() to handle tenant-less messages',
    );
  });

  it('dead-letters a message whose tenant id is malformed', async () => {
    const { app, get } = await start();
    await trackActivity(app).doNotFailOnHandlerErrors().publish(new ItemAdded(3), { tenantId: 'tenant-x' });
    expect(get(Handlers).observations).toEqual([]);
    const [letter] = await app.get<DeadLetterStore>(DEAD_LETTER_STORE).list();
    expect(letter).toMatchObject({ errorType: 'InvalidTenantIdError', attempts: 1, tenantId: 'tenant-x' });
    expect(letter!.errorMessage).toBe(
      `Invalid tenant id "tenant-x" from message ItemAdded ${letter!.messageId}: expected a UUID`,
    );
  });

  it('runs a tenant-agnostic handler without a tenant, even when triggered from inside another tenant', async () => {
    const { app, get, bus, broker } = await start();
    const tenants = get(TenantContext);
    await trackActivity(app).publish(new Heartbeat());
    await tenants.run(TENANT_B, () =>
      trackActivity(app).execute(() => broker.append([foreignRecord('p', {}, {}, WAREHOUSE_PINGED)])),
    );
    await tenants.run(TENANT_B, () =>
      trackActivity(app).execute(() => bus.publish(new Heartbeat(), { tenantId: TENANT_C })),
    );
    expect(get(Handlers).observations).toEqual([
      { key: 'heartbeat', messageTenant: undefined, contextTenant: undefined },
      { key: 'ping', messageTenant: undefined, contextTenant: undefined },
      { key: 'heartbeat', messageTenant: TENANT_C, contextTenant: TENANT_C },
    ]);
    expect(await app.get<DeadLetterStore>(DEAD_LETTER_STORE).list()).toEqual([]);
  });

  it("takes a consumed event's tenantId property when the tenant extension is missing, and refuses a disagreement", async () => {
    const { app, broker, get, waitFor } = await start();
    const tenants = get(TenantContext);
    // appended inside tenant B's context: the consumer must not inherit it
    tenants.run(TENANT_B, () =>
      broker.append([
        foreignRecord('sku-1', {}, { sku: 'sku-1', tenantId: TENANT_A }),
        foreignRecord('sku-2', { tenantId: TENANT_C }, { sku: 'sku-2', tenantId: TENANT_A }),
        foreignRecord('sku-3', {}),
      ]),
    );
    // the three records sit on different partitions: wait for every outcome, not just the dead letters
    await waitFor(
      (records) =>
        records.filter((r) => r.kind === 'dead-lettered').length === 2 &&
        records.some((r) => r.kind === 'succeeded'),
    );
    expect(get(Handlers).observations).toEqual([
      { key: 'stock:sku-1', messageTenant: TENANT_A, contextTenant: TENANT_A, repositoryTenant: TENANT_A },
    ]);
    const letters = await app.get<DeadLetterStore>(DEAD_LETTER_STORE).list();
    expect(letters.map((l) => [l.messageId, l.errorType]).sort()).toEqual([
      ['evt-sku-2', 'TenantMismatchError'],
      ['evt-sku-3', 'MissingTenantError'],
    ]);
    expect(letters.find((l) => l.messageId === 'evt-sku-2')!.errorMessage).toContain(
      `carries tenant '${TENANT_A}' but is published for tenant '${TENANT_C}'`,
    );
  });

  it("never lets two tenants' messages cross under concurrency", async () => {
    const { app, broker, get, bus } = await start();
    const tenants = get(TenantContext);
    const all = [TENANT_A, TENANT_B, TENANT_C];
    const expected = new Map<string, string>();
    const session = await trackActivity(app)
      .timeout(20_000)
      .execute(async () => {
        const work: Promise<unknown>[] = [];
        for (let i = 0; i < 300; i++) {
          const tenant = all[i % 3]!;
          const other = all[(i + 1) % 3]!;
          expected.set(`item:${i}`, i % 5 === 0 ? other : tenant);
          work.push(
            tenants.run(tenant, async () => {
              await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
              // every fifth message is published from inside one tenant explicitly for another
              await bus.publish(new ItemAdded(i), i % 5 === 0 ? { tenantId: other } : undefined);
            }),
          );
          if (i % 3 === 0) {
            expected.set(`stock:s-${i}`, tenant);
            broker.append([foreignRecord(`s-${i}`, { tenantId: tenant })]);
          }
        }
        await Promise.all(work);
      });
    expect(session.deadLettered.count).toBe(0);
    const observations = get(Handlers).observations;
    expect(observations).toHaveLength(expected.size);
    for (const observation of observations) {
      const tenant = expected.get(observation.key);
      expect({ ...observation, expected: tenant }).toEqual({
        key: observation.key,
        messageTenant: tenant,
        contextTenant: tenant,
        repositoryTenant: tenant,
        expected: tenant,
      });
    }
  });
});
