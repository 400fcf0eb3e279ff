// The audit trail records a publish through the outbox only once its transaction commits, on the
// real PostgreSQL: a rolled-back transaction, or a rolled-back savepoint, leaves no `sent` entry.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { EventTopic, InMemoryBroker, InMemoryTransport, MessageBus } from '@momentum/messaging';
import { Outbox } from '@momentum/outbox';
import { AuditTrail, InMemoryAuditSink, TenantContext } from '@momentum/tenancy';
import { eventually } from '../../outbox/test/support/eventually.js';
import { databaseUrl, dropSchema, uniqueSchema } from '../../outbox/test/support/postgres.js';
import { TENANT_A } from './support/tenancy-app.js';
import { startTenantService, type TenantService } from './support/tenant-service.js';

const TOPIC = 'app_domain.orders.order-noted';

@EventTopic(TOPIC)
class OrderNoted {
  constructor(readonly orderId: string) {}
}

describe('audit of publishes through the outbox (PostgreSQL)', () => {
  const schema = uniqueSchema('tenancy_audit_outbox');
  let service: TenantService | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  }, 30_000);
  afterAll(() => dropSchema(schema), 30_000);

  it('records a publish as sent only when its transaction (and savepoint) commits', async () => {
    const sink = new InMemoryAuditSink();
    const broker = new InMemoryBroker();
    service = await startTenantService({
      serviceName: 'audit-outbox',
      consumerGroup: 'audit-outbox',
      url: databaseUrl(),
      schema,
      transport: new InMemoryTransport({ broker }),
      tenancy: { audit: { sink } },
    });
    const { app } = service;
    const [bus, outbox] = [app.get(MessageBus), app.get(Outbox)];
    const publish = (orderId: string) => bus.publish(new OrderNoted(orderId));

    await app.get(TenantContext).run(TENANT_A, async () => {
      await outbox.transaction(async () => {
        await publish('committed');
        const queryRunner = outbox.currentQueryRunner()!;
        await queryRunner.startTransaction();
        await publish('in-rolled-back-savepoint');
        await queryRunner.rollbackTransaction();
      });
      await expect(
        outbox.transaction(async () => {
          await publish('in-rolled-back-transaction');
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
    });

    await app.get(AuditTrail).flush();
    const sent = (await sink.query({})).filter((entry) => entry.result === 'sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      kind: 'publish',
      tenantId: TENANT_A,
      topic: TOPIC,
      destination: `outbox → in-memory:${TOPIC}`,
    });
    const sentIds = () => broker.records(TOPIC).map((record) => JSON.parse(record.value!.toString()).orderId);
    await eventually(() => sentIds().length > 0, 'the relay to send the committed record');
    expect(sentIds()).toEqual(['committed']);
  }, 30_000);
});
