import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, type INestApplication } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import {
  CloudEventContext,
  CloudEventsClient,
  CloudEventsServer,
  EventTopic,
  FailureActions,
  InMemoryBroker,
  InMemoryDeadLetterStore,
  InMemoryTransport,
  PreserveErrorFilter,
} from '@momentum/messaging';

const TOPIC = 'app_domain.billing.invoice-issued';

@EventTopic(TOPIC)
class InvoiceIssued {
  constructor(
    readonly invoiceId: string,
    readonly tenantId: string,
  ) {}
}

const seen: { data: Record<string, unknown>; type: string; tenant?: string; attempt: number }[] = [];

@Controller()
class InvoiceController {
  @EventPattern<string>(TOPIC)
  issued(@Payload() data: Record<string, unknown>, @Ctx() context: CloudEventContext): void {
    const attempt = context.getAttempt();
    seen.push({ data, type: context.getEnvelope().type, tenant: context.getEnvelope().tenantId, attempt });
    if (data.invoiceId === 'flaky' && attempt < 2) throw new Error('flaky handler');
    if (data.invoiceId === 'poison') throw new Error('cannot handle poison');
  }
}

describe('Nest microservices over CloudEvents (CloudEventsServer / CloudEventsClient)', () => {
  let app: INestApplication | undefined;
  let client: CloudEventsClient | undefined;
  afterEach(async () => {
    await client?.close();
    await app?.close();
    app = client = undefined;
    seen.length = 0;
  });

  async function start(
    broker: InMemoryBroker,
    deadLetterStore = new InMemoryDeadLetterStore(),
    preserveErrors = true,
  ) {
    const moduleRef = await Test.createTestingModule({ controllers: [InvoiceController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    if (preserveErrors) app.useGlobalFilters(new PreserveErrorFilter());
    app.connectMicroservice(
      {
        strategy: new CloudEventsServer({
          transport: new InMemoryTransport({ broker }),
          groupId: 'invoices',
          failureAction: FailureActions.retry({ attempts: 2, initialDelayMs: 1 }),
          deadLetterStore,
        }),
      },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
    await app.init();
    client = new CloudEventsClient({
      transport: new InMemoryTransport({ broker }),
      source: '/app_domain/billing',
    });
    return { deadLetterStore };
  }

  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(condition()).toBe(true);
  }

  it('delivers an emitted event to its @EventPattern handler with the CloudEvent context', async () => {
    const broker = new InMemoryBroker();
    await start(broker);
    await firstValueFrom(client!.emit(TOPIC, new InvoiceIssued('inv-1', 'tenant-1')), {
      defaultValue: undefined,
    });
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({
      data: { invoiceId: 'inv-1', tenantId: 'tenant-1' },
      type: TOPIC,
      tenant: 'tenant-1',
      attempt: 1,
    });
    const [record] = broker.records(TOPIC);
    expect(record!.key).toBe('tenant-1');
    expect(record!.headers).toMatchObject({
      ce_type: TOPIC,
      ce_source: '/app_domain/billing',
      'content-type': 'application/json',
    });
  });

  it('retries a failing handler, then dead-letters with the reason while later records flow', async () => {
    const broker = new InMemoryBroker();
    const { deadLetterStore } = await start(broker);
    await firstValueFrom(client!.emit(TOPIC, new InvoiceIssued('flaky', 't')), { defaultValue: undefined });
    await firstValueFrom(client!.emit(TOPIC, new InvoiceIssued('poison', 't')), { defaultValue: undefined });
    await firstValueFrom(client!.emit(TOPIC, new InvoiceIssued('after', 't')), { defaultValue: undefined });
    await until(() => seen.some((entry) => entry.data.invoiceId === 'after'));
    expect(seen.filter((entry) => entry.data.invoiceId === 'flaky').map((entry) => entry.attempt)).toEqual([
      1, 2,
    ]);
    expect(seen.filter((entry) => entry.data.invoiceId === 'poison').map((entry) => entry.attempt)).toEqual([
      1, 2,
    ]);
    const dlq = broker.records(`${TOPIC}.dlq`);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.headers).toMatchObject({
      'dlq-error-message': 'cannot handle poison',
      'dlq-attempts': '2',
      'dlq-consumer-group': 'invoices',
    });
    expect((await deadLetterStore.list())[0]).toMatchObject({
      messageType: TOPIC,
      errorMessage: 'cannot handle poison',
      replayable: true,
    });
  });

  it("without PreserveErrorFilter, dead letters carry Nest's generic RPC error", async () => {
    const broker = new InMemoryBroker();
    await start(broker, new InMemoryDeadLetterStore(), false);
    await firstValueFrom(client!.emit(TOPIC, new InvoiceIssued('poison', 't')), { defaultValue: undefined });
    await until(() => broker.records(`${TOPIC}.dlq`).length === 1);
    expect(broker.records(`${TOPIC}.dlq`)[0]!.headers['dlq-error-message']).toMatch(/Internal server error/);
  });

  it('dead-letters records that are not CloudEvents instead of calling the handler', async () => {
    const broker = new InMemoryBroker();
    const { deadLetterStore } = await start(broker);
    broker.append([{ topic: TOPIC, key: null, value: Buffer.from('plain text'), headers: {} }]);
    await until(() => broker.records(`${TOPIC}.dlq`).length === 1);
    expect(seen).toEqual([]);
    expect((await deadLetterStore.list())[0]).toMatchObject({
      errorType: 'MessageDeserializationError',
      replayable: false,
    });
  });

  it('types plain-object events by their topic and refuses request-response', async () => {
    const broker = new InMemoryBroker();
    await start(broker);
    await firstValueFrom(client!.emit(TOPIC, { invoiceId: 'plain', tenantId: 't-2' }), {
      defaultValue: undefined,
    });
    await until(() => seen.length === 1);
    expect(seen[0]!.type).toBe(TOPIC);
    await expect(firstValueFrom(client!.send(TOPIC, {}))).rejects.toMatch(/supports events only/);
  });
});
