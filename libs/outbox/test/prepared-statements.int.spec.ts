// The outbox's hot statements run prepared on real PostgreSQL (once per connection), and as
// ordinary statements when `preparedStatements` is off; the rows are stored the same either way.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { OrderPlaced } from './support/test-messages.js';

describe('prepared statements of the outbox', () => {
  const schemas: string[] = [];
  let app: OutboxTestApp | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  }, 30_000);

  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  }, 30_000);

  /** Publishes two orders in two transactions on the app's single connection; returns its prepared statements. */
  async function publishTwice(preparedStatements?: boolean): Promise<string[]> {
    const schema = uniqueSchema('prep');
    schemas.push(schema);
    app = await startOutboxApp({
      outbox: {
        url: databaseUrl(),
        schema,
        autoCreate: true,
        poolSize: 1,
        preparedStatements,
        nodes: { mode: 'solo' },
        relay: { enabled: false },
      },
    });
    const { outbox, bus } = app;
    await outbox.transaction(() => bus.publish(new OrderPlaced('first')));
    return outbox.transaction(async (manager) => {
      await bus.publish(new OrderPlaced('second'));
      const rows: { statement: string }[] = await manager.query(
        'SELECT statement FROM pg_prepared_statements WHERE statement LIKE $1',
        [`INSERT INTO "${schema}".outgoing%`],
      );
      return rows.map((row) => row.statement);
    });
  }

  it('prepares the outbox INSERT once on the connection and stores what committed', async () => {
    const prepared = await publishTwice();
    expect(prepared).toHaveLength(1);
    expect(await app!.outbox.dataSource.query(`SELECT id FROM "${schemas.at(-1)}".outgoing`)).toHaveLength(2);
  }, 30_000);

  it('prepares nothing when preparedStatements is off', async () => {
    const prepared = await publishTwice(false);
    expect(prepared).toEqual([]);
    expect(await app!.outbox.dataSource.query(`SELECT id FROM "${schemas.at(-1)}".outgoing`)).toHaveLength(2);
  }, 30_000);
});
