// The database goes away for a while (a TCP proxy in front of it is stopped): publishing callers get
// a clear MessageStoreUnavailableError; the relay and the inbox recover by themselves once it is back.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MessageStoreUnavailableError } from '@momentum/outbox';
import { AppliedOrders, appliedConfig, appliedTable, createAppliedTable } from './support/applied-orders.js';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { OrderPlaced } from './support/test-messages.js';

describe('database outage', () => {
  const url = databaseUrl();
  const schema = uniqueSchema('outage');
  let proxy: TcpProxy;
  let app: OutboxTestApp;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    const target = new URL(url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    await adminQuery(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await adminQuery(createAppliedTable(schema));
    appliedConfig.schema = schema;
    app = await startOutboxApp({
      outbox: {
        url: proxy.url(url),
        schema,
        autoCreate: true,
        connectTimeoutMs: 1_000,
        nodes: { mode: 'solo' },
        relay: { backoffInitialMs: 50, backoffMaxMs: 300, pollIntervalMs: 200 },
      },
      providers: [AppliedOrders],
    });
  }, 60_000);

  afterAll(async () => {
    appliedConfig.afterWrite = async () => undefined;
    release();
    await app?.close();
    await proxy?.close();
    await dropSchema(schema);
  }, 30_000);

  it('fails publishers clearly while down; relay and inbox catch up on their own afterwards', async () => {
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    // The first delivery is held inside its inbox transaction while the database goes away.
    appliedConfig.afterWrite = async () => {
      if (held) return;
      held = true;
      await gate;
    };

    await app.outbox.transaction(async () => {
      for (let i = 0; i < 5; i++) await app.bus.publish(new OrderPlaced('before-outage', i));
    });
    await eventually(() => held, 'the first delivery to be in its inbox transaction');

    await proxy.stop();
    release();
    const failure = await app.outbox
      .transaction(async () => app.bus.publish(new OrderPlaced('during-outage')))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(MessageStoreUnavailableError);
    expect((failure as Error).message).toMatch(/^The message store is unavailable: /);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    await proxy.start();
    await eventually(
      async () =>
        app.outbox
          .transaction(async () => {
            for (let i = 0; i < 5; i++) await app.bus.publish(new OrderPlaced('after-outage', i));
          })
          .then(
            () => true,
            () => false,
          ),
      'publishing to work again',
    );
    const applied = async () =>
      adminQuery<{ order_id: string; sequence: number; message_id: string }>(
        `SELECT order_id, sequence, message_id FROM ${appliedTable(schema)} ORDER BY n`,
      );
    await eventually(async () => (await applied()).length === 10, 'all ten messages applied', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rows = await applied();
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((row) => row.message_id)).size).toBe(10);
    for (const order of ['before-outage', 'after-outage'])
      expect(rows.filter((row) => row.order_id === order).map((row) => row.sequence)).toEqual([
        0, 1, 2, 3, 4,
      ]);
    expect(rows.some((row) => row.order_id === 'during-outage')).toBe(false);
    expect(await app.store.outgoing.count(app.store.dataSource.manager)).toBe(0);
  }, 60_000);
});
