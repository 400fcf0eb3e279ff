// A poison message: an order billing cannot store (its amount overflows billing's invoice column) is
// retried, dead-lettered with the reason, listed by billing's admin API, and delivered by a replay
// once a migration fixed the column.
import { describe, expect, it } from '@jest/globals';
import { awaitOrder, call, placeOrder } from './support/sample-api.js';
import { sampleEnvironment } from './support/sample-environment.js';
import { useSample } from './support/service-process.js';

const TENANT = '5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c';
const CUSTOMER = '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';

interface DeadLetterView {
  readonly id: string;
  readonly messageType: string;
  readonly tenantId: string;
  readonly topic: string;
  readonly errorMessage: string;
  readonly attempts: number;
  readonly replayable: boolean;
  readonly body: { orderId: string };
}

describe('a poison order in the orders topic (separate processes, Kafka, PostgreSQL)', () => {
  const env = sampleEnvironment('poison');
  const sample = useSample(env);

  const deadLetters = async (tenant?: string) =>
    (await call<DeadLetterView[]>(sample.billing.url, '/admin/dead-letters', { tenant })).body;

  it('lands in dead letters with the reason, shows in the admin API, and a replay after the fix delivers it', async () => {
    const poison = await placeOrder(sample.orders.url, TENANT, CUSTOMER, 1_000_000, 100_000);
    const healthy = await placeOrder(sample.orders.url, TENANT, CUSTOMER, 1, 20);

    let letters: DeadLetterView[] = [];
    for (let i = 0; i < 300 && letters.length === 0; i++) {
      letters = await deadLetters(TENANT);
      if (letters.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(letters).toEqual([
      expect.objectContaining({
        messageType: 'app_domain.orders.order-created',
        tenantId: TENANT,
        topic: 'app_domain.orders.order-created',
        errorMessage: expect.stringMatching(/numeric field overflow/),
        attempts: 3,
        replayable: true,
        body: expect.objectContaining({ orderId: poison }),
      }),
    ]);
    // The poison message blocks nothing: the next order of the same tenant (same partition) is paid.
    expect(
      (await awaitOrder(sample.orders.url, TENANT, healthy, (order) => order.status === 'paid')).status,
    ).toBe('paid');
    expect(
      (await call<{ status: string }>(sample.orders.url, `/orders/${poison}`, { tenant: TENANT })).body
        .status,
    ).toBe('pending');
    expect(await deadLetters('11111111-2222-4333-8444-555555555555')).toEqual([]);
    expect(
      (
        await call(sample.billing.url, `/admin/dead-letters/${crypto.randomUUID()}/replay`, {
          method: 'POST',
        })
      ).status,
    ).toBe(404);

    await env.query(`ALTER TABLE "${env.schemas.billing}".invoices ALTER COLUMN amount TYPE numeric(16, 2)`);
    const replay = await call(sample.billing.url, `/admin/dead-letters/${letters[0]!.id}/replay`, {
      method: 'POST',
    });
    expect(replay).toEqual({ status: 200, body: { replayed: letters[0]!.id } });

    const order = await awaitOrder(sample.orders.url, TENANT, poison, (o) => o.status !== 'pending');
    expect(order).toMatchObject({ status: 'payment_failed', totalAmount: 100_000_000_000 });
    const invoices = await env.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${env.schemas.billing}".invoices WHERE order_id = $1`,
      [poison],
    );
    expect(invoices[0]!.n).toBe(1);
    expect(await deadLetters()).toEqual([]);
  }, 120_000);
});
