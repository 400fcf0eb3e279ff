// Relays wake up at once: by an in-process signal after a commit in their own process, and by one
// LISTEN/NOTIFY per transaction across processes; polling is only the fallback.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { InMemoryBroker } from '@momentum/messaging';
import pg from 'pg';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { ORDER_PLACED, OrderPlaced } from './support/test-messages.js';

/** Long enough that polling cannot explain a delivery within the test's wait. */
const NO_POLLING = 600_000;

describe('relay wake-ups', () => {
  const url = databaseUrl();
  const schemas: string[] = [];
  const apps: OutboxTestApp[] = [];

  const start = async (schema: string, broker: InMemoryBroker, relay: boolean, notify = true) => {
    const app = await startOutboxApp({
      outbox: {
        url,
        schema,
        autoCreate: true,
        notify,
        nodes: { mode: 'solo' },
        relay: { enabled: relay, pollIntervalMs: NO_POLLING },
      },
      broker,
    });
    apps.push(app);
    return app;
  };
  const fresh = (prefix: string) => {
    const schema = uniqueSchema(prefix);
    schemas.push(schema);
    return schema;
  };

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  }, 30_000);

  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  }, 30_000);

  it('in process: a commit wakes the local relay (NOTIFY off, polling off)', async () => {
    const broker = new InMemoryBroker();
    const app = await start(fresh('wake_local'), broker, true, false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const startedAt = Date.now();
    await app.outbox.transaction(() => app.bus.publish(new OrderPlaced('local')));
    await eventually(() => broker.records(ORDER_PLACED).length === 1, 'the in-process wake-up', 5_000);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  }, 30_000);

  it('across processes: a commit in one app wakes the relay of another through exactly one NOTIFY', async () => {
    const schema = fresh('wake_notify');
    const broker = new InMemoryBroker();
    const relaying = await start(schema, broker, true);
    const publishing = await start(schema, broker, false);
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const notifications: string[] = [];
    listener.on('notification', (message) => notifications.push(message.channel));
    await listener.query(`LISTEN "momentum_outbox_${schema}"`);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await publishing.outbox.transaction(async () => {
        for (let i = 0; i < 5; i++) await publishing.bus.publish(new OrderPlaced('notified', i));
      });
      await eventually(
        () => broker.records(ORDER_PLACED).length === 5,
        'the other app relaying after NOTIFY',
        5_000,
      );
      await publishing.outbox.transaction(async (manager) => manager.query('SELECT 1'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(notifications).toEqual([`momentum_outbox_${schema}`]);
      expect(relaying.runtime.relay).toBeDefined();
    } finally {
      await listener.end();
    }
  }, 30_000);
});
