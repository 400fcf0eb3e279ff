// OutboxRuntime.backlog(): what a health check reads — committed, unsent messages and the age of the
// oldest, on a real PostgreSQL.
import { afterAll, describe, expect, it } from '@jest/globals';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { OrderPlaced } from './support/test-messages.js';

describe('outbox backlog', () => {
  const schema = uniqueSchema('backlog');
  let app: OutboxTestApp | undefined;

  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  }, 30_000);

  it('counts committed unsent messages and ages the oldest; rolled-back ones never count', async () => {
    app = await startOutboxApp({
      outbox: {
        url: databaseUrl(),
        schema,
        autoCreate: true,
        nodes: { mode: 'solo' },
        relay: { enabled: false },
      },
    });
    expect(await app.runtime.backlog()).toEqual({ messages: 0, oldestAgeMs: 0 });

    await app.outbox.transaction(async () => {
      for (const order of ['a', 'b', 'c']) await app!.bus.publish(new OrderPlaced(order));
    });
    await expect(
      app.outbox.transaction(async () => {
        await app!.bus.publish(new OrderPlaced('rolled-back'));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await new Promise((resolve) => setTimeout(resolve, 120));

    const backlog = await app.runtime.backlog();
    expect(backlog.messages).toBe(3);
    expect(backlog.oldestAgeMs).toBeGreaterThanOrEqual(100);
    expect(backlog.oldestAgeMs).toBeLessThan(60_000);
  }, 30_000);
});
