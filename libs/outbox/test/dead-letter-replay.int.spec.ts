// Dead-letter API on PostgreSQL beyond a single replay: `list` bounded by `since` and `until`,
// `replayMany` sending several letters back (each handled once, all removed, unreplayable ones
// left alone), a replay through the outbox waking the relay at once, and replaying the dead letter
// of a durable local queue.
import { afterAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { EventHandler, MessageContext, NonRetryableError } from '@momentum/messaging';
import { AppliedOrders, appliedConfig, appliedTable, createAppliedTable } from './support/applied-orders.js';
import { eventually } from './support/eventually.js';
import { adminQuery, databaseUrl } from './support/postgres.js';
import { suiteApps } from './support/suite-apps.js';
import { ORDER_PLACED, OrderPlaced, StockReserved } from './support/test-messages.js';

/** A billing failure no retry can fix. */
class BillingRejectedError extends NonRetryableError {
  override readonly name = 'BillingRejectedError';
}

/** A stock failure no retry can fix. */
class StockRejectedError extends NonRetryableError {
  override readonly name = 'StockRejectedError';
}

/** A durable local queue's handler that fails for good while `broken`. */
@Injectable()
class ReservingStock {
  static broken = true;
  static readonly attempts: string[] = [];
  static readonly handled: string[] = [];
  @EventHandler()
  reserved(event: StockReserved, context: MessageContext): void {
    ReservingStock.attempts.push(context.id);
    if (ReservingStock.broken) throw new StockRejectedError(`cannot reserve ${event.orderId}`);
    ReservingStock.handled.push(context.id);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('dead letters: windows, bulk replay and durable queues', () => {
  const url = databaseUrl();
  const apps = suiteApps();
  let broken = true;

  afterAll(() => {
    appliedConfig.afterWrite = async () => undefined;
  });

  it('lists letters between since and until, and replayMany sends back each matching letter once', async () => {
    const schema = apps.schema('dl_many');
    const billing = await apps.start({
      outbox: { url, schema, autoCreate: true, nodes: { mode: 'solo' } },
      serviceName: 'billing',
      providers: [AppliedOrders],
    });
    await adminQuery(createAppliedTable(schema));
    appliedConfig.schema = schema;
    appliedConfig.afterWrite = async (event) => {
      if (broken && event.orderId.startsWith('bad'))
        throw new BillingRejectedError(`cannot bill ${event.orderId}`);
    };
    const applied = async () =>
      (await adminQuery<{ order_id: string }>(`SELECT order_id FROM ${appliedTable(schema)} ORDER BY n`)).map(
        (row) => row.order_id,
      );
    const orderIds = (letters: readonly { body?: unknown }[]) =>
      letters.map((letter) => (letter.body as { orderId: string }).orderId).sort();

    // Two waves of failures, with a mark in between.
    await billing.outbox.transaction(async () => {
      await billing.bus.publish(new OrderPlaced('bad-1', 1), { id: 'bad-1' });
      await billing.bus.publish(new OrderPlaced('bad-2', 2), { id: 'bad-2' });
    });
    await eventually(
      async () => (await billing.deadLetters.list()).length === 2,
      'the first wave dead-lettered',
    );
    await sleep(20);
    const between = new Date();
    await sleep(20);
    await billing.outbox.transaction(async () => {
      await billing.bus.publish(new OrderPlaced('good-1', 3), { id: 'good-1' });
      await billing.bus.publish(new OrderPlaced('bad-3', 4), { id: 'bad-3' });
      await billing.bus.publish(new OrderPlaced('bad-4', 5), { id: 'bad-4' });
    });
    // A record that is no CloudEvent: dead-lettered too, but not replayable.
    billing.broker.append([
      { topic: ORDER_PLACED, key: 'junk', value: Buffer.from('not a cloud event'), headers: {} },
    ]);
    await eventually(
      async () => (await billing.deadLetters.list()).length === 5,
      'the second wave dead-lettered',
    );
    await eventually(() => billing.broker.pending().length === 0, 'the consumer done');
    expect(await applied()).toEqual(['good-1']);

    const all = await billing.deadLetters.list();
    expect(all.map((letter) => letter.failedAt.getTime())).toEqual(
      all.map((letter) => letter.failedAt.getTime()).sort((a, b) => a - b),
    );
    const [junk] = all.filter((letter) => !letter.replayable);
    expect(junk).toBeDefined();
    expect(junk!.failedAt.getTime()).toBeGreaterThan(between.getTime());

    // `until` alone, `since` alone, and both: the window is inclusive at both ends.
    expect(orderIds(await billing.deadLetters.list({ until: between }))).toEqual(['bad-1', 'bad-2']);
    expect(orderIds(await billing.deadLetters.list({ since: between, messageType: ORDER_PLACED }))).toEqual([
      'bad-3',
      'bad-4',
    ]);
    expect(await billing.deadLetters.list({ until: new Date(all[0]!.failedAt.getTime() - 1) })).toEqual([]);
    // Letters can fail within the same millisecond, so the window holds every letter of its bounds' times.
    const [since, until] = [all[1]!.failedAt, all[3]!.failedAt];
    const window = await billing.deadLetters.list({ since, until });
    const inWindow = all.filter((letter) => letter.failedAt >= since && letter.failedAt <= until);
    expect(inWindow.length).toBeGreaterThanOrEqual(3);
    expect(window.map((letter) => letter.id)).toEqual(inWindow.map((letter) => letter.id));
    expect(await billing.deadLetters.list({ since: between, until: between })).toEqual([]);

    broken = false;
    // Only the letters up to the mark go back.
    expect(await billing.deadLetters.replayMany({ until: between })).toBe(2);
    await eventually(async () => (await applied()).length === 3, 'the first wave handled');
    expect(orderIds(await billing.deadLetters.list({ messageType: ORDER_PLACED }))).toEqual([
      'bad-3',
      'bad-4',
    ]);

    // The rest: every replayable letter, the undecodable record stays.
    expect(await billing.deadLetters.replayMany()).toBe(2);
    await eventually(async () => (await applied()).length === 5, 'the second wave handled');
    await eventually(() => billing.broker.pending().length === 0, 'the consumer done with the replays');
    await sleep(300);
    expect((await applied()).sort()).toEqual(['bad-1', 'bad-2', 'bad-3', 'bad-4', 'good-1']);
    expect((await billing.deadLetters.list()).map((letter) => letter.id)).toEqual([junk!.id]);
    expect(await billing.deadLetters.replayMany()).toBe(0);
  }, 30_000);

  it('wakes the relay when a replay commits, so the message goes back without waiting for a poll', async () => {
    const schema = apps.schema('dl_wake');
    const billing = await apps.start({
      outbox: { url, schema, autoCreate: true, nodes: { mode: 'solo' }, relay: { pollIntervalMs: 60_000 } },
      serviceName: 'billing',
      providers: [AppliedOrders],
    });
    await adminQuery(createAppliedTable(schema));
    appliedConfig.schema = schema;
    let failing = true;
    appliedConfig.afterWrite = async (event) => {
      if (failing) throw new BillingRejectedError(`cannot bill ${event.orderId}`);
    };
    await billing.outbox.transaction(() => billing.bus.publish(new OrderPlaced('wake-1'), { id: 'wake-1' }));
    await eventually(async () => (await billing.deadLetters.list()).length === 1, 'the dead letter');

    failing = false;
    const [letter] = await billing.deadLetters.list();
    await billing.deadLetters.replay(letter!.id);
    // Far below the 60 s poll: only the commit's wake-up can have sent it this soon.
    await eventually(
      async () =>
        (await adminQuery(`SELECT 1 FROM ${appliedTable(schema)} WHERE order_id = 'wake-1'`)).length === 1,
      'the replayed message handled',
      5_000,
    );
  }, 30_000);

  // The queue keeps a dead-lettered message's row as handled for `keepHandledMs` (5 minutes): the
  // replay, right after the failure, must not be discarded as a duplicate of it.
  it('replays the dead letter of a durable local queue: the handler runs it once and the letter is removed', async () => {
    const schema = apps.schema('dl_queue');
    const app = await apps.start({
      outbox: {
        url,
        schema,
        autoCreate: true,
        nodes: { mode: 'solo', schedulePollIntervalMs: 50, recoveryIntervalMs: 100 },
      },
      providers: [ReservingStock],
      messaging: { queues: { 'domain-events': { mode: 'durable' } } },
    });
    const queueRow = async () =>
      (
        await adminQuery<{ status: string }>(
          `SELECT status FROM "${schema}".incoming WHERE id = 'reserve-o-7' AND consumer = 'queue:domain-events'`,
        )
      )[0]?.status;
    await app.bus.publish(new StockReserved('o-7'), { id: 'reserve-o-7', tenantId: 'tenant-q' });
    await eventually(async () => (await app.deadLetters.list()).length === 1, 'the dead letter');
    const [letter] = await app.deadLetters.list();
    expect(letter).toMatchObject({
      messageId: 'reserve-o-7',
      messageType: 'outbox_tests.stock-reserved',
      body: { orderId: 'o-7' },
      tenantId: 'tenant-q',
      source: 'domain-events',
      handler: 'ReservingStock.reserved',
      errorType: 'StockRejectedError',
      errorMessage: 'cannot reserve o-7',
      replayable: true,
    });
    expect(letter!.transport).toBeUndefined();
    expect(ReservingStock.attempts).toEqual(['reserve-o-7']);
    expect(ReservingStock.handled).toEqual([]);

    expect(await queueRow()).toBe('handled');

    ReservingStock.broken = false;
    await app.deadLetters.replay(letter!.id);
    expect(await app.deadLetters.list()).toEqual([]);
    await eventually(() => ReservingStock.handled.length === 1, 'the replayed message handled by the queue');
    await sleep(400);
    expect(ReservingStock.handled).toEqual(['reserve-o-7']);
    expect(await app.deadLetters.list()).toEqual([]);
  }, 30_000);
});
