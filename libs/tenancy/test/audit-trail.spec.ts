import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { trackActivity } from '@momentum/testing';
import { DomainEvent, EventHandler, EventTopic, MessageContext } from '@momentum/messaging';
import {
  AuditTrail,
  InMemoryAuditSink,
  MissingTenantError,
  TenantContext,
  type AuditEntry,
  type AuditQuery,
  type AuditSink,
} from '@momentum/tenancy';
import { startTenancyApp, TENANT_A, TENANT_B, type TenancyTestApp } from './support/tenancy-app.js';

const PAYMENT_TAKEN = 'app_domain.payments.payment-taken';

@DomainEvent()
class ChargeCard {
  constructor(readonly failuresBeforeSuccess: number) {}
}
@DomainEvent()
class Doomed {}
@EventTopic(PAYMENT_TAKEN)
class PaymentTaken {
  constructor(readonly amount: number) {}
}

@Injectable()
class Handlers {
  @EventHandler()
  chargeCard(command: ChargeCard, context: MessageContext): PaymentTaken {
    if (context.attempt <= command.failuresBeforeSuccess)
      throw new Error(`card declined (attempt ${context.attempt})`);
    return new PaymentTaken(10);
  }

  @EventHandler()
  paymentTaken(_event: PaymentTaken): void {}

  @EventHandler()
  doomed(_event: Doomed): void {
    throw new Error('always fails');
  }
}

/** A real in-memory sink behind an outage: the first `failures` appends reject. */
class FlakySink implements AuditSink {
  readonly batchSizes: number[] = [];
  constructor(
    private readonly inner: InMemoryAuditSink,
    private failures: number,
  ) {}

  async append(entries: readonly AuditEntry[]): Promise<void> {
    if (this.failures-- > 0) throw new Error('audit store unavailable');
    this.batchSizes.push(entries.length);
    await this.inner.append(entries);
  }

  query(query: AuditQuery): Promise<AuditEntry[]> {
    return this.inner.query(query);
  }
}

describe('audit trail', () => {
  let harness: TenancyTestApp | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  const start = async (sink: AuditSink, extra: { batchSize?: number; retryDelayMs?: number } = {}) => {
    harness = await startTenancyApp({ tenancy: { audit: { sink, ...extra } }, providers: [Handlers] });
    return harness;
  };

  it('records each publish and one final outcome per handler, however often the handler was retried', async () => {
    const { app, get } = await start(new InMemoryAuditSink());
    const tenants = get(TenantContext);
    const session = await tenants.run(TENANT_A, () =>
      trackActivity(app).doNotFailOnHandlerErrors().publish(new ChargeCard(2)),
    );
    expect(session.failed.count).toBe(2); // two failed attempts, then success: none of them audited
    await get(AuditTrail).flush();
    const entries = await tenants.run(TENANT_A, () => get(AuditTrail).query());
    expect(entries.map((e) => [e.kind, e.result, e.messageType, e.handler ?? null])).toEqual([
      ['publish', 'sent', 'ChargeCard', null],
      ['handling', 'succeeded', 'ChargeCard', 'Handlers.chargeCard'],
      ['publish', 'sent', PAYMENT_TAKEN, null],
      ['handling', 'succeeded', PAYMENT_TAKEN, 'Handlers.paymentTaken'],
    ]);
    const [charge, , payment] = entries;
    expect(payment).toMatchObject({
      tenantId: TENANT_A,
      topic: PAYMENT_TAKEN,
      destination: `in-memory:${PAYMENT_TAKEN}`,
      correlationId: charge!.messageId,
      causationId: charge!.messageId,
    });
  });

  it('records an exhausted message once, as dead-lettered with the reason', async () => {
    const { app, get } = await start(new InMemoryAuditSink());
    const tenants = get(TenantContext);
    await tenants.run(TENANT_B, () => trackActivity(app).doNotFailOnHandlerErrors().publish(new Doomed()));
    await get(AuditTrail).flush();
    const entries = await tenants.run(TENANT_B, () => get(AuditTrail).query());
    expect(entries.map((e) => [e.kind, e.result, e.reason ?? null])).toEqual([
      ['publish', 'sent', null],
      ['handling', 'dead-lettered', 'always fails'],
    ]);
  });

  it('is tenant-scoped by default: a tenant sees only its own entries, all tenants only when asked', async () => {
    const { app, get } = await start(new InMemoryAuditSink());
    const tenants = get(TenantContext);
    await tenants.run(TENANT_A, () => trackActivity(app).publish(new ChargeCard(0)));
    await tenants.run(TENANT_B, () => trackActivity(app).publish(new ChargeCard(0)));
    const trail = get(AuditTrail);
    await trail.flush();
    await expect(trail.query()).rejects.toThrow(MissingTenantError);
    const forA = await tenants.run(TENANT_A, () => trail.query());
    expect(new Set(forA.map((e) => e.tenantId))).toEqual(new Set([TENANT_A]));
    const flowOfB = (await trail.queryAllTenants({ tenantId: TENANT_B }))[0]!.correlationId!;
    expect(await tenants.run(TENANT_A, () => trail.flow(flowOfB))).toEqual([]);
    expect(await tenants.run(TENANT_B, () => trail.flow(flowOfB))).toHaveLength(4);
    expect(await trail.queryAllTenants()).toHaveLength(8);
    expect(await trail.queryAllTenants({ limit: 3 })).toHaveLength(3);
  });

  it('keeps failed batches and writes them once the sink recovers, without disturbing message handling', async () => {
    const inner = new InMemoryAuditSink();
    const sink = new FlakySink(inner, 2);
    const { app, get } = await start(sink, { batchSize: 3, retryDelayMs: 5 });
    const tenants = get(TenantContext);
    for (let i = 0; i < 3; i++)
      await tenants.run(TENANT_A, () => trackActivity(app).publish(new ChargeCard(0)));
    await get(AuditTrail).flush();
    const entries = await inner.query({});
    expect(entries).toHaveLength(12);
    expect(entries.filter((e) => e.result === 'succeeded')).toHaveLength(6);
    expect(Math.max(...sink.batchSizes)).toBeLessThanOrEqual(3);
  });
});
