// Crashes of either sample service lose nothing and apply nothing twice: billing killed with SIGKILL
// while orders keep arriving, and orders killed with its accepted orders' events still in its outbox,
// both restarted.
import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import {
  awaitOrder,
  call,
  placeOrder,
  poll,
  settledWithHistory,
  type InvoiceView,
} from './support/sample-api.js';
import { sampleEnvironment } from './support/sample-environment.js';
import { freePort, startService, type ServiceProcess } from './support/service-process.js';

const TENANT = '3c1e9a52-7b4d-4e8f-a1c2-9d8e7f6a5b4c';
const CUSTOMER = '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
const ORDERS = 40;

describe('sample services surviving crashes (separate processes, Kafka, PostgreSQL)', () => {
  const running: ServiceProcess[] = [];
  const disposals: (() => Promise<void>)[] = [];

  afterEach(async () => {
    await Promise.all(running.splice(0).map((service) => service.stop()));
    for (const dispose of disposals.splice(0)) await dispose();
  }, 60_000);

  const start = async (
    name: 'orders' | 'billing',
    env: ReturnType<typeof sampleEnvironment>,
    port: number,
  ) => {
    const service = await startService(name, env, port);
    running.push(service);
    return service;
  };

  /**
   * Every order settled (but those in `cancelled`, which keep their status), each with exactly one
   * invoice, counted in billing's table.
   */
  const expectEachSettledOnce = async (
    orders: ServiceProcess,
    billing: ServiceProcess,
    env: ReturnType<typeof sampleEnvironment>,
    orderIds: string[],
    cancelled: string[] = [],
  ) => {
    for (const orderId of orderIds.filter((id) => !cancelled.includes(id))) {
      // Durable-queue rows (the history's domain events) of a killed process are reclaimed once its
      // node is declared dead (`nodes.staleAfterMs`, 30 s by default), so allow for that.
      const order = await awaitOrder(orders.url, TENANT, orderId, settledWithHistory, 90_000);
      expect(order.status).toBe('paid');
      expect(order.history.map((entry) => entry.status)).toEqual(['pending', 'paid']);
    }
    const rows = await env.query<{ order_id: string; n: number }>(
      `SELECT order_id, count(*)::int AS n FROM "${env.schemas.billing}".invoices GROUP BY order_id`,
    );
    expect(rows.map((row) => row.order_id).sort()).toEqual([...orderIds].sort());
    expect(rows.filter((row) => row.n !== 1)).toEqual([]);
    const invoices = await call<InvoiceView[]>(billing.url, '/invoices', { tenant: TENANT });
    expect(invoices.body).toHaveLength(orderIds.length);
  };

  it('billing killed (SIGKILL) while orders keep arriving: every order settles, none is invoiced twice', async () => {
    const env = sampleEnvironment('billing_kill');
    disposals.push(() => env.dispose());
    const billingPort = await freePort();
    let billing = await start('billing', env, billingPort);
    const orders = await start('orders', env, await freePort());

    const orderIds: string[] = [];
    for (let i = 0; i < ORDERS; i++) {
      orderIds.push(await placeOrder(orders.url, TENANT, CUSTOMER, 1, 10 + i));
      if (i === ORDERS / 4) {
        await billing.kill();
        expect(billing.child.signalCode).toBe('SIGKILL');
      }
    }
    const pendingWhileDown = await call<{ orderId: string }[]>(orders.url, '/orders?status=pending', {
      tenant: TENANT,
    });
    expect(pendingWhileDown.body.length).toBeGreaterThan(0);
    // Placed after billing died, so certainly still pending: a cancellation succeeds.
    const cancelled = orderIds.at(-1)!;
    expect(await call(orders.url, `/orders/${cancelled}/cancel`, { method: 'POST', tenant: TENANT })).toEqual(
      {
        status: 200,
        body: { orderId: cancelled, status: 'cancelled' },
      },
    );

    running.splice(running.indexOf(billing), 1);
    billing = await start('billing', env, billingPort);
    await expectEachSettledOnce(orders, billing, env, orderIds, [cancelled]);
    // Billing still invoices it (checked above); orders ignores the late payment and keeps the cancellation.
    const ignored = `payment outcome paid for order ${cancelled} ignored: order is cancelled`;
    expect(await poll(orders.output, (output) => output.includes(ignored))).toContain(ignored);
    const order = await awaitOrder(orders.url, TENANT, cancelled, (o) => o.history.length === 2);
    expect(order.status).toBe('cancelled');
    expect(order.history.map((entry) => entry.status)).toEqual(['pending', 'cancelled']);
  }, 240_000);

  it('orders killed (SIGKILL) with its events still in the outbox: they are delivered after the restart', async () => {
    const env = sampleEnvironment('orders_kill');
    disposals.push(() => env.dispose());
    const ordersPort = await freePort();
    const billing = await start('billing', env, await freePort());
    let orders = await start('orders', env, ordersPort);

    // Holding every key bucket of orders' relay (its advisory locks, as a stuck relay of another node
    // would) keeps the committed events in the outbox, whatever the timing, until orders dies.
    const relayBlocker = new pg.Client({ connectionString: env.databaseUrl });
    await relayBlocker.connect();
    disposals.push(() => relayBlocker.end());
    await relayBlocker.query('SELECT pg_advisory_lock(hashtext($1), b) FROM generate_series(0, 63) AS b', [
      `momentum-relay-buckets:${env.schemas.orders}`,
    ]);

    const placing = Array.from({ length: ORDERS }, (_, i) =>
      placeOrder(orders.url, TENANT, CUSTOMER, 1, 10 + i),
    );
    const orderIds = await Promise.all(placing);
    await orders.kill();
    expect(orders.child.signalCode).toBe('SIGKILL');
    const count = async (table: string, where = 'true') =>
      (await env.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`))[0]!.n;
    // Killed with every order accepted, its event committed to the outbox and none sent.
    expect(await count(`"${env.schemas.orders}".outgoing`)).toBe(ORDERS);
    expect(await count(`"${env.schemas.orders}".orders`, `status = 'pending'`)).toBe(ORDERS);
    expect(await count(`"${env.schemas.billing}".invoices`)).toBe(0);
    running.splice(running.indexOf(orders), 1);
    await relayBlocker.query('SELECT pg_advisory_unlock_all()');

    orders = await start('orders', env, ordersPort);
    await expectEachSettledOnce(orders, billing, env, orderIds);
    const [unsent] = await env.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${env.schemas.orders}".outgoing`,
    );
    expect(unsent!.n).toBe(0);
  }, 240_000);
});
