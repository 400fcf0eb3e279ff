// Durable local queues: a message stored by a node that died before handling it runs on a node
// that starts later, as an instance of its class, and is then marked handled; at shutdown the queue
// drains before the store closes.
import { afterAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { EventHandler } from '@momentum/messaging';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { StockReserved } from './support/test-messages.js';

@Injectable()
class RecoveredStock {
  static readonly seen: unknown[] = [];
  @EventHandler()
  reserved(event: StockReserved): void {
    RecoveredStock.seen.push(event);
  }
}

/** A handler still running when the application is asked to stop. */
@Injectable()
class SlowStock {
  static finished = 0;
  @EventHandler()
  async reserved(_event: StockReserved): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    SlowStock.finished++;
  }
}

/** Handles the event in two durable queues; the `busy` one is held up by a slow message first. */
@Injectable()
class TwoQueueStock {
  static readonly seen: string[] = [];
  @EventHandler({ queue: 'busy' })
  async busy(event: StockReserved): Promise<void> {
    if (event.orderId === 'blocker') await new Promise((resolve) => setTimeout(resolve, 600));
    TwoQueueStock.seen.push(`busy:${event.orderId}`);
  }
  @EventHandler()
  idle(event: StockReserved): void {
    TwoQueueStock.seen.push(`idle:${event.orderId}`);
  }
}

describe('durable queue recovery', () => {
  const url = databaseUrl();
  const schema = uniqueSchema('durable_queue');
  let app: OutboxTestApp | undefined;

  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  }, 30_000);

  it('lets the queue drain at shutdown before the store closes, so the message ends handled', async () => {
    const drained = await startOutboxApp({
      outbox: { url, schema, autoCreate: true, nodes: { mode: 'solo' } },
      providers: [SlowStock],
      messaging: { queues: { 'domain-events': { mode: 'durable' } } },
    });
    await drained.bus.publish(new StockReserved('at-shutdown'), { id: 'at-shutdown' });
    await drained.close();
    expect(SlowStock.finished).toBe(1);
    expect(await adminQuery(`SELECT status FROM "${schema}".incoming WHERE id = 'at-shutdown'`)).toEqual([
      { status: 'handled' },
    ]);
  }, 30_000);

  it('a message two durable queues run, enqueued in a transaction that rolls back, runs in neither, however late a queue gets to it', async () => {
    const twoQueues = await startOutboxApp({
      outbox: { url, schema, autoCreate: true, nodes: { mode: 'solo' } },
      providers: [TwoQueueStock],
      messaging: {
        queues: { 'domain-events': { mode: 'durable' }, busy: { mode: 'durable', parallelism: 1 } },
      },
    });
    try {
      await twoQueues.bus.publish(new StockReserved('blocker'));
      await twoQueues.outbox
        .transaction(async () => {
          await twoQueues.bus.publish(new StockReserved('rolled-back'));
          throw new Error('roll back');
        })
        .catch(() => undefined);
      await twoQueues.outbox.transaction(() => twoQueues.bus.publish(new StockReserved('committed')));
      await eventually(() => TwoQueueStock.seen.includes('busy:committed'), 'the busy queue to catch up');
      expect([...TwoQueueStock.seen].sort()).toEqual([
        'busy:blocker',
        'busy:committed',
        'idle:blocker',
        'idle:committed',
      ]);
    } finally {
      await twoQueues.close();
    }
  }, 30_000);

  it('runs the stored messages of a dead node at the next start', async () => {
    const options = {
      url,
      schema,
      autoCreate: true,
      nodes: { mode: 'solo' as const },
      messageClasses: [StockReserved],
    };
    const first = await startOutboxApp({ outbox: options });
    await first.close();
    const envelope = {
      id: 'left-behind',
      type: 'outbox_tests.stock-reserved',
      message: { orderId: 'o-17' },
      correlationId: 'left-behind',
      source: '/app_domain/outbox-test',
      time: new Date().toISOString(),
      headers: {},
    };
    await adminQuery(
      `INSERT INTO "${schema}".incoming (id, consumer, status, owner_id, message_type, envelope)
       VALUES ('left-behind', 'queue:domain-events', 'incoming', 424242, $1, $2::jsonb)`,
      [envelope.type, JSON.stringify(envelope)],
    );
    app = await startOutboxApp({
      outbox: options,
      providers: [RecoveredStock],
      messaging: { queues: { 'domain-events': { mode: 'durable' } } },
    });
    await eventually(() => RecoveredStock.seen.length === 1, 'the recovered message handled');
    expect(RecoveredStock.seen[0]).toBeInstanceOf(StockReserved);
    expect(RecoveredStock.seen[0]).toEqual(new StockReserved('o-17'));
    await eventually(
      async () =>
        (await adminQuery(`SELECT status FROM "${schema}".incoming WHERE id = 'left-behind'`))[0]?.status ===
        'handled',
      'the row marked handled',
    );
  }, 30_000);

  it('runs stored messages of a node that died while this one runs, on the recovery interval', async () => {
    RecoveredStock.seen.length = 0;
    await app?.close();
    app = await startOutboxApp({
      outbox: {
        url,
        schema,
        autoCreate: true,
        nodes: { mode: 'solo', schedulePollIntervalMs: 50, recoveryIntervalMs: 100 },
        messageClasses: [StockReserved],
      },
      providers: [RecoveredStock],
      messaging: { queues: { 'domain-events': { mode: 'durable' } } },
    });
    const envelope = {
      id: 'lost-while-running',
      type: 'outbox_tests.stock-reserved',
      message: { orderId: 'o-42' },
      correlationId: 'lost-while-running',
      source: '/app_domain/outbox-test',
      time: new Date().toISOString(),
      headers: {},
    };
    await adminQuery(
      `INSERT INTO "${schema}".incoming (id, consumer, status, owner_id, message_type, envelope)
       VALUES ('lost-while-running', 'queue:domain-events', 'incoming', 434343, $1, $2::jsonb)`,
      [envelope.type, JSON.stringify(envelope)],
    );
    await eventually(() => RecoveredStock.seen.length === 1, 'the lost message recovered and handled');
    expect(RecoveredStock.seen[0]).toEqual(new StockReserved('o-42'));
    await eventually(
      async () =>
        (await adminQuery(`SELECT status FROM "${schema}".incoming WHERE id = 'lost-while-running'`))[0]
          ?.status === 'handled',
      'the row marked handled',
    );
  }, 30_000);
});
