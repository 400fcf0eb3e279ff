// A poison message: an order event billing cannot store (its amount overflows billing's invoice
// column), which the orders API no longer lets through, so it is published straight to the orders
// topic as a buggy producer would. It is retried, dead-lettered with the reason, listed by billing's
// admin API (to its tenant only), and delivered by a replay once a migration widened the column.
import { describe, expect, it } from '@jest/globals';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { awaitOrder, call, placeOrder, poll, type InvoiceView } from './support/sample-api.js';
import { sampleEnvironment } from './support/sample-environment.js';
import { useSample } from './support/service-process.js';

const TENANT = '5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c';
const CUSTOMER = '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';

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
  const invoicesOf = async (orderId: string) =>
    (await call<InvoiceView[]>(sample.billing.url, `/invoices?orderId=${orderId}`, { tenant: TENANT })).body;

  /** An `OrderCreated` CloudEvent (binary mode, keyed by tenant like the relay's) sent with kafkajs. */
  const publishOrderCreated = async (event: { orderId: string; totalAmount: number }) => {
    const topic = 'app_domain.orders.order-created';
    const producer = new Kafka({
      brokers: env.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    }).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({
        topic: `${env.topicPrefix}${topic}`,
        messages: [
          {
            key: TENANT,
            value: JSON.stringify({ tenantId: TENANT, customerId: CUSTOMER, ...event }),
            headers: {
              ce_specversion: '1.0',
              ce_id: crypto.randomUUID(),
              ce_type: topic,
              ce_source: 'orders',
              ce_time: new Date().toISOString(),
              ce_tenantid: TENANT,
              ce_partitionkey: TENANT,
              'content-type': 'application/json',
            },
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
  };

  it('lands in dead letters with the reason, shows in the admin API, and a replay after the fix delivers it', async () => {
    const refused = await call(sample.orders.url, '/orders', {
      method: 'POST',
      tenant: TENANT,
      body: { customerId: CUSTOMER, items: [{ sku: 'A-1', quantity: 1_000_000, unitPrice: 100_000 }] },
    });
    expect(refused.status).toBe(400);

    const poison = crypto.randomUUID();
    await publishOrderCreated({ orderId: poison, totalAmount: 100_000_000_000 });
    const healthy = await placeOrder(sample.orders.url, TENANT, CUSTOMER, 1, 20);

    const letters = await poll(
      () => deadLetters(TENANT),
      (found) => found.length > 0,
    );
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
    const [letter] = letters;
    // The poison message blocks nothing: the next order of the same tenant (same partition) is paid.
    expect(
      (await awaitOrder(sample.orders.url, TENANT, healthy, (order) => order.status === 'paid')).status,
    ).toBe('paid');
    expect(await invoicesOf(poison)).toEqual([]);
    // Without a tenant header the admin sees every tenant's dead letters; with another's, none of them.
    expect((await deadLetters()).map((each) => each.id)).toEqual([letter!.id]);
    expect(await deadLetters(OTHER_TENANT)).toEqual([]);
    const replay = (id: string, tenant?: string) =>
      call(sample.billing.url, `/admin/dead-letters/${id}/replay`, { method: 'POST', tenant });
    expect((await replay(crypto.randomUUID())).status).toBe(404);
    expect((await replay(letter!.id, OTHER_TENANT)).status).toBe(404);
    expect((await replay(letter!.id, 'not-a-tenant')).status).toBe(400);
    expect((await deadLetters()).map((each) => each.id)).toEqual([letter!.id]);

    await env.query(`ALTER TABLE "${env.schemas.billing}".invoices ALTER COLUMN amount TYPE numeric(16, 2)`);
    expect(await replay(letter!.id, TENANT)).toEqual({ status: 200, body: { replayed: letter!.id } });

    expect(
      await poll(
        () => invoicesOf(poison),
        (invoices) => invoices.length > 0,
      ),
    ).toEqual([expect.objectContaining({ orderId: poison, amount: 100_000_000_000, status: 'declined' })]);
    expect(await deadLetters()).toEqual([]);
  }, 120_000);
});
