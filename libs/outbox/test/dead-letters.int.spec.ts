// Dead letters on PostgreSQL: a consumer's failure is recorded with its reason in the inbox
// transaction; replay sends it back to that consumer group only, which handles it, and removes it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { EventHandler, InMemoryBroker, NonRetryableError } from '@momentum/messaging';
import { AppliedOrders, appliedConfig, appliedTable, createAppliedTable } from './support/applied-orders.js';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { ORDER_PLACED, OrderPlaced } from './support/test-messages.js';

/** Another service's handler of the same event. */
@Injectable()
class AuditOrders {
  static readonly seen: string[] = [];
  @EventHandler()
  placed(event: OrderPlaced): void {
    AuditOrders.seen.push(event.orderId);
  }
}

/** A billing failure no retry can fix. */
class BillingRejectedError extends NonRetryableError {
  override readonly name = 'BillingRejectedError';
}

describe('dead letters', () => {
  const url = databaseUrl();
  const billingSchema = uniqueSchema('dl_billing');
  const auditSchema = uniqueSchema('dl_audit');
  const broker = new InMemoryBroker({ retryInitialDelayMs: 20, retryMaxDelayMs: 100 });
  let billing: OutboxTestApp;
  let audit: OutboxTestApp;
  let broken = true;

  beforeAll(async () => {
    const options = (schema: string) => ({ url, schema, autoCreate: true, nodes: { mode: 'solo' as const } });
    billing = await startOutboxApp({
      outbox: options(billingSchema),
      broker,
      serviceName: 'billing',
      providers: [AppliedOrders],
    });
    audit = await startOutboxApp({
      outbox: options(auditSchema),
      broker,
      serviceName: 'audit',
      providers: [AuditOrders],
    });
    await adminQuery(createAppliedTable(billingSchema));
    appliedConfig.schema = billingSchema;
    appliedConfig.afterWrite = async (event) => {
      if (broken && event.orderId === 'bad') throw new BillingRejectedError(`cannot bill ${event.orderId}`);
    };
  }, 60_000);

  afterAll(async () => {
    appliedConfig.afterWrite = async () => undefined;
    await billing?.close();
    await audit?.close();
    await dropSchema(billingSchema);
    await dropSchema(auditSchema);
  }, 30_000);

  it('records the failure with its reason, lists it, and replays it to the failing group only', async () => {
    await billing.outbox.transaction(async () => {
      await billing.bus.publish(new OrderPlaced('good', 1), { tenantId: 'tenant-a' });
      await billing.bus.publish(new OrderPlaced('bad', 2), { tenantId: 'tenant-a' });
    });
    await eventually(async () => (await billing.deadLetters.list()).length === 1, 'the dead letter');
    await eventually(
      () => AuditOrders.seen.length === 2 && broker.pending().length === 0,
      'both groups done',
    );

    const listed = await billing.deadLetters.list({
      messageType: ORDER_PLACED,
      tenantId: 'tenant-a',
      since: new Date(Date.now() - 60_000),
    });
    expect(listed).toHaveLength(1);
    expect(await billing.deadLetters.list({ tenantId: 'tenant-b' })).toEqual([]);
    const [letter] = listed;
    expect(letter).toMatchObject({
      messageType: ORDER_PLACED,
      body: { orderId: 'bad', sequence: 2 },
      tenantId: 'tenant-a',
      source: `in-memory:${ORDER_PLACED}`,
      handler: 'AppliedOrders.placed',
      consumer: 'billing.test',
      errorType: 'BillingRejectedError',
      errorMessage: 'cannot bill bad',
      replayable: true,
    });
    // The failed attempt's write rolled back; the dead letter committed with the inbox mark.
    const applied = () =>
      adminQuery<{ order_id: string }>(`SELECT order_id FROM ${appliedTable(billingSchema)} ORDER BY n`);
    expect((await applied()).map((row) => row.order_id)).toEqual(['good']);

    broken = false;
    await billing.deadLetters.replay(letter!.id);
    await eventually(async () => (await applied()).length === 2, 'the replayed message handled by billing');
    await eventually(() => broker.pending().length === 0, 'both groups done with the replay');
    expect((await applied()).map((row) => row.order_id)).toEqual(['good', 'bad']);
    expect(AuditOrders.seen.sort()).toEqual(['bad', 'good']);
    expect(await billing.deadLetters.list()).toEqual([]);
  }, 30_000);
});
