// The outbox's hot statements run prepared on real PostgreSQL (once per connection), and as
// ordinary statements when `preparedStatements` is off; the rows are stored the same either way.
import { describe, expect, it } from '@jest/globals';
import type { OutboxTestApp } from './support/outbox-app.js';
import { databaseUrl } from './support/postgres.js';
import { suiteApps } from './support/suite-apps.js';
import { OrderPlaced } from './support/test-messages.js';

describe('prepared statements of the outbox', () => {
  const apps = suiteApps();
  let app: OutboxTestApp | undefined;
  let schema: string;

  /** Publishes two orders in two transactions on the app's single connection; returns its prepared statements. */
  async function publishTwice(preparedStatements?: boolean): Promise<string[]> {
    schema = apps.schema('prep');
    app = await apps.start({
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
    expect(await app!.outbox.dataSource.query(`SELECT id FROM "${schema}".outgoing`)).toHaveLength(2);
  }, 30_000);

  it('prepares nothing when preparedStatements is off', async () => {
    const prepared = await publishTwice(false);
    expect(prepared).toEqual([]);
    expect(await app!.outbox.dataSource.query(`SELECT id FROM "${schema}".outgoing`)).toHaveLength(2);
  }, 30_000);
});
