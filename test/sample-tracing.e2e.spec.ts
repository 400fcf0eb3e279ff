// One trace follows an order from the HTTP request through billing and back, with the tenant on
// every message span: both services as processes exporting over OTLP/HTTP, Kafka and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { awaitOrder, placeOrder } from './support/sample-api.js';
import { OtlpCollector, type CollectedSpan } from './support/otlp-collector.js';
import { sampleEnvironment } from './support/sample-environment.js';
import { startSample, type SampleServices, type ServiceProcess } from './support/service-process.js';

const TENANT = '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const CUSTOMER = '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';

describe('distributed tracing across the sample services', () => {
  let collector: OtlpCollector;
  let env: ReturnType<typeof sampleEnvironment>;
  let orders: ServiceProcess;
  let sample: SampleServices | undefined;

  beforeAll(async () => {
    collector = await OtlpCollector.start();
    env = sampleEnvironment('tracing', { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint });
    sample = await startSample(env);
    ({ orders } = sample);
  }, 120_000);

  afterAll(async () => {
    await sample?.stop();
    await env?.dispose();
    await collector?.close();
  }, 60_000);

  it('puts the request, both services and the way back in one trace, each message span with its tenant', async () => {
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const orderId = await placeOrder(orders.url, TENANT, CUSTOMER, 1, 42, { traceparent });
    await awaitOrder(
      orders.url,
      TENANT,
      orderId,
      (order) => order.status === 'paid' && order.history.length === 2,
    );

    const expected = [
      ['orders', 'POST /orders'],
      ['orders', 'process orders.create-order'],
      ['orders', 'process orders.order-created'],
      ['billing', 'process app_domain.orders.order-created'],
      ['orders', 'process app_domain.billing.payment-completed'],
      ['orders', 'process orders.order-status-changed'],
    ];
    const inTrace = (): CollectedSpan[] => collector.spans.filter((span) => span.traceId === traceId);
    const has = ([service, name]: string[]) =>
      inTrace().some((span) => span.service === service && span.name === name);
    const deadline = Date.now() + 20_000;
    while (!expected.every(has) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));

    const seen = inTrace().map((span) => [span.service, span.name]);
    for (const pair of expected) expect(seen).toContainEqual(pair);
    const messageSpans = inTrace().filter((span) => span.name.startsWith('process '));
    expect(messageSpans.length).toBeGreaterThanOrEqual(expected.length - 1);
    for (const span of messageSpans) expect(span.attributes['tenant.id']).toBe(TENANT);
    // Billing's span is a child of the orders span that published the integration event.
    const billingSpan = inTrace().find((span) => span.service === 'billing')!;
    const parent = inTrace().find((span) => span.spanId === billingSpan.parentSpanId);
    expect(parent).toMatchObject({ service: 'orders', name: 'process orders.create-order' });
  }, 60_000);
});
