// The connection is cut while a transaction the module opened is committing (a TCP proxy in front of
// PostgreSQL drops it right at the COMMIT): the caller cannot know whether it committed, so it gets a
// CommitOutcomeUnknownError, and nothing is decided for it on a guess. When the server did commit,
// the outbox message is still sent and the durable-queue message still runs, once; when it did not,
// neither happens. Either way the application keeps working.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { EventHandler } from '@momentum/messaging';
import { CommitOutcomeUnknownError, MessageStoreUnavailableError } from '@momentum/outbox';
import { eventually } from './support/eventually.js';
import { orderIdOf } from './support/flaky-transport.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { ORDER_PLACED, OrderPlaced, StockReserved } from './support/test-messages.js';

/** Records the domain events its durable queue runs. */
@Injectable()
class ReservedStock {
  static readonly seen: string[] = [];
  @EventHandler()
  reserved(event: StockReserved): void {
    ReservedStock.seen.push(event.orderId);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('commit outcome unknown', () => {
  const url = databaseUrl();
  const schema = uniqueSchema('commit_unknown');
  let proxy: TcpProxy;
  let app: OutboxTestApp;

  beforeAll(async () => {
    const target = new URL(url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    await adminQuery(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await adminQuery(`CREATE TABLE "${schema}".orders (id text PRIMARY KEY)`);
    // Orders whose id starts with 'slow-' make their COMMIT take 1.5 s (a deferred trigger runs in it).
    await adminQuery(
      `CREATE FUNCTION "${schema}".slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.id LIKE 'slow-%' THEN PERFORM pg_sleep(1.5); END IF; RETURN NULL; END $$`,
    );
    await adminQuery(
      `CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON "${schema}".orders
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "${schema}".slow_commit()`,
    );
    app = await startOutboxApp({
      outbox: {
        url: proxy.url(url),
        schema,
        autoCreate: true,
        nodes: { mode: 'solo' },
        relay: { pollIntervalMs: 200 },
      },
      providers: [ReservedStock],
      messaging: { queues: { 'domain-events': { mode: 'durable' } } },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    await dropSchema(schema);
  }, 30_000);

  /** Places order `id` in one transaction: a business row, an integration event and a domain event. */
  const placeOrder = (id: string) =>
    app.outbox
      .transaction(async (manager) => {
        await manager.query(`INSERT INTO "${schema}".orders (id) VALUES ($1)`, [id]);
        await app.bus.publish(new StockReserved(id));
        await app.bus.publish(new OrderPlaced(id));
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
  const sent = (id: string) => app.broker.records(ORDER_PLACED).filter((record) => orderIdOf(record) === id);
  const stored = async (id: string) =>
    (await adminQuery(`SELECT 1 FROM "${schema}".orders WHERE id = $1`, [id])).length === 1;
  const queueRows = (id: string) =>
    adminQuery<{ status: string }>(
      `SELECT status FROM "${schema}".incoming WHERE consumer = 'queue:domain-events' AND envelope->'message'->>'orderId' = $1`,
      [id],
    );
  /** Places order `id` with its connection cut at the COMMIT (see `TcpProxy.cutAtCommit`); returns the failure. */
  const placeOrderCutAtCommit = async (id: string, deliver: boolean) => {
    const cut = proxy.cutAtCommit(id, deliver);
    const failure = await placeOrder(id);
    await cut;
    return failure;
  };
  /** Waits until what order `id`'s transaction committed is stored, sent and run, then checks it happened once. */
  const expectCommittedOnce = async (id: string) => {
    await eventually(() => stored(id), 'the committed business row');
    await eventually(() => sent(id).length === 1, 'the committed outbox message sent');
    await eventually(() => ReservedStock.seen.includes(id), 'the committed domain event run');
    await eventually(
      async () => (await queueRows(id)).every((row) => row.status === 'handled'),
      'its queue row handled',
    );
    await sleep(500);
    expect(sent(id)).toHaveLength(1);
    expect(ReservedStock.seen.filter((seen) => seen === id)).toHaveLength(1);
    expect(await queueRows(id)).toEqual([{ status: 'handled' }]);
  };

  it('reports an unknown outcome when the server committed, then sends and runs what committed, once', async () => {
    const id = `committed-${randomUUID()}`;
    const failure = await placeOrderCutAtCommit(id, true);

    expect(failure).toBeInstanceOf(CommitOutcomeUnknownError);
    expect(failure).toBeInstanceOf(MessageStoreUnavailableError);
    expect((failure as Error).message).toMatch(/^The transaction may or may not have committed: /);
    await expectCommittedOnce(id);
  }, 30_000);

  it('waits for a COMMIT the server is still running when the connection is lost, then runs what committed, once', async () => {
    const id = `slow-${randomUUID()}`;
    const failure = await placeOrderCutAtCommit(id, true);

    expect(failure).toBeInstanceOf(CommitOutcomeUnknownError);
    // The server has not finished the COMMIT yet: the row is not there, though it will be.
    expect(await stored(id)).toBe(false);
    await expectCommittedOnce(id);
  }, 30_000);

  it('in a transaction TypeORM commits, a COMMIT whose connection is lost still runs what committed, once, and nothing that did not', async () => {
    const placeExternally = (id: string) =>
      app.outbox.dataSource
        .transaction((manager) =>
          app.outbox.withManager(manager, async () => {
            await manager.query(`INSERT INTO "${schema}".orders (id) VALUES ($1)`, [id]);
            await app.bus.publish(new StockReserved(id));
          }),
        )
        .then(
          () => undefined,
          (error: unknown) => error,
        );
    const committed = `external-committed-${randomUUID()}`;
    const committedCut = proxy.cutAtCommit(committed, true);
    expect(await placeExternally(committed)).toBeInstanceOf(Error);
    await committedCut;
    const rolledBack = `external-rolled-back-${randomUUID()}`;
    const rolledBackCut = proxy.cutAtCommit(rolledBack, false);
    expect(await placeExternally(rolledBack)).toBeInstanceOf(Error);
    await rolledBackCut;

    await eventually(() => ReservedStock.seen.includes(committed), 'the committed domain event run');
    await sleep(1_000);
    expect(ReservedStock.seen.filter((seen) => seen === committed)).toHaveLength(1);
    expect(await queueRows(committed)).toEqual([{ status: 'handled' }]);
    expect(ReservedStock.seen).not.toContain(rolledBack);
    expect(await stored(rolledBack)).toBe(false);
    expect(await queueRows(rolledBack)).toEqual([]);
  }, 30_000);

  it('reports an unknown outcome when the server rolled back, then sends and runs nothing', async () => {
    const id = `rolled-back-${randomUUID()}`;
    const failure = await placeOrderCutAtCommit(id, false);

    expect(failure).toBeInstanceOf(CommitOutcomeUnknownError);
    await sleep(1_000);
    expect(await stored(id)).toBe(false);
    expect(sent(id)).toEqual([]);
    expect(ReservedStock.seen).not.toContain(id);
    expect(await queueRows(id)).toEqual([]);
  }, 30_000);

  it('keeps working on the next transaction', async () => {
    const id = `after-${randomUUID()}`;
    expect(await placeOrder(id)).toBeUndefined();
    await eventually(() => sent(id).length === 1, 'the next outbox message sent');
    await eventually(() => ReservedStock.seen.includes(id), 'the next domain event run');
    expect(await stored(id)).toBe(true);
  }, 30_000);
});
