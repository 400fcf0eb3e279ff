import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, type INestApplication } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import {
  CloudEventContext,
  CloudEventsClient,
  CloudEventsServer,
  FailureActions,
  PreserveErrorFilter,
} from '@momentum/messaging';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import {
  committedOffsets,
  eventually,
  readTopic,
  testTransportOptions,
  uniqueSuffix,
  waitUntil,
} from './support/kafka-test-kit.js';

describe('Nest microservice (CloudEventsServer) over Kafka', () => {
  let app: INestApplication | undefined;
  let client: CloudEventsClient | undefined;
  afterEach(async () => {
    await client?.close();
    await app?.close();
    app = client = undefined;
  }, 60_000);

  it('serves @EventPattern handlers with CloudEvents decoding, retries, dead letters and commits', async () => {
    const suffix = uniqueSuffix();
    const topic = `it.${suffix}.billing.invoice-issued`;
    const group = `invoices-${suffix}`;
    const seen: { id: unknown; attempt: number; tenant?: string }[] = [];

    @Controller()
    class InvoiceController {
      @EventPattern<string>(topic)
      issued(@Payload() data: { invoiceId: string }, @Ctx() context: CloudEventContext): void {
        seen.push({
          id: data.invoiceId,
          attempt: context.getAttempt(),
          tenant: context.getEnvelope().tenantId,
        });
        if (data.invoiceId === 'poison') throw new Error('cannot issue poison');
      }
    }

    const moduleRef = await Test.createTestingModule({ controllers: [InvoiceController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new PreserveErrorFilter());
    app.connectMicroservice(
      {
        strategy: new CloudEventsServer({
          transport: new KafkaTransport(testTransportOptions()),
          groupId: group,
          failureAction: FailureActions.retry({ attempts: 2, initialDelayMs: 10 }),
        }),
      },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
    await app.init();
    client = new CloudEventsClient({
      transport: new KafkaTransport(testTransportOptions()),
      source: '/app_domain/billing',
    });

    for (const invoiceId of ['inv-1', 'poison', 'inv-2']) {
      await firstValueFrom(client.emit(topic, { invoiceId, tenantId: 'tenant-1' }), {
        defaultValue: undefined,
      });
    }
    await waitUntil(
      () => seen.some((entry) => entry.id === 'inv-2'),
      () => `inv-2 handled; seen ${JSON.stringify(seen)}`,
      60_000,
    );
    expect(seen.filter((entry) => entry.id === 'poison').map((entry) => entry.attempt)).toEqual([1, 2]);
    expect(seen.every((entry) => entry.tenant === 'tenant-1')).toBe(true);

    const [dead] = await readTopic(`${topic}.dlq`, 1, 60_000);
    expect(dead!.message.headers?.['dlq-error-message']?.toString()).toBe('cannot issue poison');
    expect(dead!.message.key?.toString()).toBe('tenant-1');
    await eventually(
      async () =>
        [...(await committedOffsets(group, topic)).values()].reduce(
          (sum, offset) => sum + Math.max(0, Number(offset)),
          0,
        ) === 3,
      () => `offsets of ${group} committed past all 3 records`,
      30_000,
    );
  }, 120_000);
});
