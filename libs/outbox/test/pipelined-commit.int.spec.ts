// The commit of a transaction the module opens, on the real PostgreSQL: when it holds outbox rows,
// their INSERT and the COMMIT go to the server pipelined in one round trip (node-postgres pipelining,
// switched on only while they are in flight). It must keep what an ordinary commit guarantees: the
// business rows and exactly the published messages commit together or not at all, a failing INSERT
// or a failing COMMIT rejects and rolls everything back, TypeORM subscribers see one
// beforeTransactionCommit / afterTransactionCommit, savepoints keep or drop their messages, the bus
// announces a message as sent only once it committed, and the pooled connection stays usable.
import { describe, expect, it } from '@jest/globals';
import { ActivityTracker, type ActivityRecord } from '@momentum/messaging';
import {
  QueryFailedError,
  type EntityManager,
  type EntitySubscriberInterface,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';
import type { OutboxTestApp } from './support/outbox-app.js';
import { eventually } from './support/eventually.js';
import { orderIdOf } from './support/flaky-transport.js';
import { adminQuery, databaseUrl } from './support/postgres.js';
import { suiteApps } from './support/suite-apps.js';
import { ORDER_PLACED, OrderPlaced } from './support/test-messages.js';

/** The node-postgres client under a TypeORM query runner (the parts these tests watch). */
interface PgClient {
  pipeline: boolean;
  query: (...args: unknown[]) => unknown;
}

/** A statement as it was handed to the client. */
interface SentStatement {
  readonly text: string;
  readonly values: readonly unknown[];
  /** Whether the client was pipelining when it was handed over. */
  readonly pipeline: boolean;
  /** Statements handed over before it and not answered yet: > 0 means it went without waiting. */
  readonly unanswered: number;
}

/** The node-postgres client of `manager`'s transaction. */
function clientOf(manager: EntityManager): PgClient {
  const client = (manager.queryRunner as unknown as { databaseConnection?: PgClient }).databaseConnection;
  if (!client) throw new Error('the manager has no connection of its own');
  return client;
}

/**
 * Records every statement handed to `client` (the wrapper only observes: it forwards each call to
 * node-postgres unchanged and returns its result).
 */
function watch(client: PgClient): { statements: SentStatement[]; stop(): void } {
  const query = client.query;
  const statements: SentStatement[] = [];
  let unanswered = 0;
  client.query = function (this: unknown, ...args: unknown[]) {
    const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown];
    statements.push({
      text: typeof config === 'string' ? config : config.text,
      values: (typeof config === 'string' ? values : config.values) as unknown[],
      pipeline: client.pipeline,
      unanswered,
    });
    const result = query.apply(this, args);
    if (result instanceof Promise) {
      unanswered++;
      const answered = () => void unanswered--;
      result.then(answered, answered);
    }
    return result;
  };
  return { statements, stop: () => void (client.query = query) };
}

/** TypeORM transaction events of one query runner, as a subscriber of its DataSource sees them. */
class TransactionEvents implements EntitySubscriberInterface {
  readonly seen: string[] = [];
  runner?: QueryRunner;
  /** Runs inside `beforeTransactionCommit` of the watched runner. */
  beforeCommit?: (event: TransactionCommitEvent) => Promise<void>;
  /** Runs inside `afterTransactionCommit` of the watched runner. */
  afterCommit?: (event: TransactionCommitEvent) => Promise<void>;

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    if (event.queryRunner !== this.runner) return;
    this.seen.push(`beforeCommit(active=${event.queryRunner.isTransactionActive})`);
    await this.beforeCommit?.(event);
  }

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    if (event.queryRunner !== this.runner) return;
    this.seen.push(`afterCommit(active=${event.queryRunner.isTransactionActive})`);
    await this.afterCommit?.(event);
  }

  beforeTransactionRollback(event: TransactionRollbackEvent): void {
    if (event.queryRunner === this.runner) this.seen.push('beforeRollback');
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (event.queryRunner === this.runner) this.seen.push('afterRollback');
  }
}

describe('the pipelined commit of outbox transactions (PostgreSQL)', () => {
  const url = databaseUrl();
  const apps = suiteApps();
  let app: OutboxTestApp;
  let schema: string;
  /** Order ids the bus announced as sent through the outbox (it does so once their transaction committed). */
  let announced: string[];

  /** An app with one pooled connection (every transaction and query below uses the same client) and a business table. */
  const start = async () => {
    schema = apps.schema('pipe');
    app = await apps.start({
      outbox: {
        url,
        schema,
        autoCreate: true,
        poolSize: 1,
        nodes: { mode: 'solo' },
        // A poll far beyond the tests: messages leave only because the commit woke the relay.
        relay: { pollIntervalMs: 60_000 },
      },
    });
    await app.outbox.dataSource.query(`CREATE TABLE "${schema}".orders (id text PRIMARY KEY)`);
    announced = [];
    app.app.get(ActivityTracker).subscribe((record: ActivityRecord) => {
      if (record.kind === 'sent' && record.destination?.startsWith('outbox → '))
        announced.push((record.envelope.message as OrderPlaced).orderId);
    });
    return app;
  };
  const sent = () => app.broker.records(ORDER_PLACED).map(orderIdOf).sort();
  const committedOrders = async () =>
    (await adminQuery<{ id: string }>(`SELECT id FROM "${schema}".orders ORDER BY id`)).map((row) => row.id);
  const outgoingInserts = (statements: readonly SentStatement[]) =>
    statements.filter((statement) => statement.text.startsWith(`INSERT INTO "${schema}".outgoing`));
  /** Waits until `ids` are sent and announced, then checks that nothing else was, after the relay had time for it. */
  const expectOnlySent = async (ids: string[]) => {
    await eventually(
      () => sent().length >= ids.length && announced.length >= ids.length,
      `${ids.join(', ')} sent`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sent()).toEqual([...ids].sort());
    expect([...announced].sort()).toEqual([...ids].sort());
  };

  /** Places an order and publishes its event in a transaction; returns the transaction's client. */
  const placeOrder = (id: string) =>
    app.outbox.transaction(async (manager) => {
      await manager.query(`INSERT INTO "${schema}".orders (id) VALUES ($1)`, [id]);
      await app.bus.publish(new OrderPlaced(id));
      return clientOf(manager);
    });

  it('sends the outbox INSERT and the COMMIT in one round trip, commits both, and leaves the client as it was', async () => {
    const { outbox, bus } = await start();
    let watched: ReturnType<typeof watch> | undefined;
    let pipelineBefore: boolean | undefined;
    const client = await outbox.transaction(async (manager) => {
      const client = clientOf(manager);
      pipelineBefore = client.pipeline;
      watched = watch(client);
      await manager.query(`INSERT INTO "${schema}".orders (id) VALUES ('order-1')`);
      await bus.publish(new OrderPlaced('order-1'));
      await bus.publish(new OrderPlaced('order-1', 1));
      return client;
    });
    const statements = watched!.statements;
    expect(pipelineBefore).toBe(false);
    expect(client.pipeline).toBe(pipelineBefore);
    // One INSERT of both rows, then the COMMIT handed over before the INSERT was answered, both pipelined.
    const inserts = outgoingInserts(statements);
    expect(inserts).toEqual([expect.objectContaining({ pipeline: true })]);
    expect(inserts[0]!.values).toHaveLength(16);
    const commit = statements[statements.indexOf(inserts[0]!) + 1];
    expect(commit).toMatchObject({ text: 'COMMIT', pipeline: true });
    expect(commit!.unanswered).toBeGreaterThanOrEqual(1);

    // The pool's only connection answers the next ordinary query, unpipelined.
    const before = statements.length;
    const counted: { count: number }[] = await outbox.dataSource.query(
      `SELECT count(*)::int AS count FROM "${schema}".orders`,
    );
    watched!.stop();
    expect(counted).toEqual([{ count: 1 }]);
    const select = statements.slice(before).find((statement) => statement.text.includes('count(*)'));
    expect(select).toMatchObject({ pipeline: false });

    expect(await committedOrders()).toEqual(['order-1']);
    await eventually(() => sent().length === 2, 'both messages sent');
    expect(app.broker.records(ORDER_PLACED).map((record) => JSON.parse(record.value!.toString()))).toEqual([
      { orderId: 'order-1', sequence: 0 },
      { orderId: 'order-1', sequence: 1 },
    ]);
    await expectOnlySent(['order-1', 'order-1']);
    await eventually(
      async () => (await adminQuery(`SELECT 1 FROM "${schema}".outgoing`)).length === 0,
      'the relay to delete what it sent',
    );
  }, 30_000);

  it('a failing outbox INSERT rejects the transaction with its error: nothing commits, nothing is sent, the next one works', async () => {
    const { outbox } = await start();
    await adminQuery(
      `ALTER TABLE "${schema}".outgoing ADD CONSTRAINT no_poison CHECK (partition_key IS DISTINCT FROM 'poison')`,
    );
    const events = new TransactionEvents();
    outbox.dataSource.subscribers.push(events);
    let watched: ReturnType<typeof watch> | undefined;
    let failedClient: PgClient | undefined;

    const failed = outbox.transaction(async (manager) => {
      events.runner = manager.queryRunner;
      failedClient = clientOf(manager);
      watched = watch(failedClient);
      await manager.query(`INSERT INTO "${schema}".orders (id) VALUES ('poisoned-order')`);
      await app.bus.publish(new OrderPlaced('healthy'));
      await app.bus.publish(new OrderPlaced('poison'));
    });
    const error: unknown = await failed.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    watched?.stop();

    expect(error).toBeInstanceOf(QueryFailedError);
    expect((error as QueryFailedError).driverError).toMatchObject({ code: '23514', constraint: 'no_poison' });
    expect(outgoingInserts(watched!.statements)).toEqual([expect.objectContaining({ pipeline: true })]);
    // The commit event went out, the commit did not happen, the transaction was rolled back.
    expect(events.seen).toEqual(['beforeCommit(active=true)', 'beforeRollback', 'afterRollback']);
    expect(await committedOrders()).toEqual([]);
    expect(await adminQuery(`SELECT id FROM "${schema}".outgoing`)).toEqual([]);

    // The same pooled connection, back in its ordinary mode, runs the next transaction.
    const client = await placeOrder('after');
    expect(client).toBe(failedClient);
    expect(client.pipeline).toBe(false);
    expect(await committedOrders()).toEqual(['after']);
    await expectOnlySent(['after']);
  }, 30_000);

  it('a COMMIT the server refuses (deferred constraint) rejects: nothing commits, nothing is sent', async () => {
    const { outbox, bus } = await start();
    await adminQuery(
      `CREATE TABLE "${schema}".slots (slot text, CONSTRAINT one_order_per_slot UNIQUE (slot) DEFERRABLE INITIALLY DEFERRED)`,
    );
    const events = new TransactionEvents();
    outbox.dataSource.subscribers.push(events);
    let watched: ReturnType<typeof watch> | undefined;

    const failed = outbox.transaction(async (manager) => {
      events.runner = manager.queryRunner;
      watched = watch(clientOf(manager));
      await manager.query(`INSERT INTO "${schema}".orders (id) VALUES ('double-booked')`);
      await manager.query(`INSERT INTO "${schema}".slots (slot) VALUES ('monday'), ('monday')`);
      await bus.publish(new OrderPlaced('double-booked'));
    });
    const error: unknown = await failed.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    watched?.stop();

    expect(error).toBeInstanceOf(QueryFailedError);
    expect((error as QueryFailedError).driverError).toMatchObject({
      code: '23505',
      constraint: 'one_order_per_slot',
    });
    const [insert] = outgoingInserts(watched!.statements);
    expect(watched!.statements[watched!.statements.indexOf(insert!) + 1]).toMatchObject({
      text: 'COMMIT',
      pipeline: true,
    });
    expect(events.seen).toEqual(['beforeCommit(active=true)', 'beforeRollback', 'afterRollback']);
    expect(await committedOrders()).toEqual([]);
    expect(await adminQuery(`SELECT slot FROM "${schema}".slots`)).toEqual([]);
    expect(await adminQuery(`SELECT id FROM "${schema}".outgoing`)).toEqual([]);

    await placeOrder('after');
    expect(await committedOrders()).toEqual(['after']);
    await expectOnlySent(['after']);
  }, 30_000);

  it('subscribers see one beforeTransactionCommit and one afterTransactionCommit; a message published in beforeTransactionCommit commits too', async () => {
    const { outbox, bus } = await start();
    const events = new TransactionEvents();
    outbox.dataSource.subscribers.push(events);
    let visibleAfterCommit: string[] | undefined;
    events.beforeCommit = (event) =>
      outbox.withManager(event.manager, () => bus.publish(new OrderPlaced('from-subscriber')));
    events.afterCommit = async () => void (visibleAfterCommit = await committedOrders());
    let watched: ReturnType<typeof watch> | undefined;

    await outbox.transaction(async (manager) => {
      events.runner = manager.queryRunner;
      watched = watch(clientOf(manager));
      await manager.query(`INSERT INTO "${schema}".orders (id) VALUES ('from-work')`);
      await bus.publish(new OrderPlaced('from-work'));
    });
    watched?.stop();

    expect(events.seen).toEqual(['beforeCommit(active=true)', 'afterCommit(active=false)']);
    // afterTransactionCommit came once the transaction was visible to other sessions.
    expect(visibleAfterCommit).toEqual(['from-work']);
    // Both messages went in the one pipelined INSERT before the COMMIT.
    const inserts = outgoingInserts(watched!.statements);
    expect(inserts).toEqual([expect.objectContaining({ pipeline: true })]);
    expect(inserts[0]!.values).toHaveLength(16);
    await expectOnlySent(['from-subscriber', 'from-work']);
  }, 30_000);

  it('a message a subscriber publishes in beforeTransactionCommit commits even when the work published none', async () => {
    const { outbox, bus } = await start();
    const events = new TransactionEvents();
    outbox.dataSource.subscribers.push(events);
    events.beforeCommit = (event) =>
      outbox.withManager(event.manager, () => bus.publish(new OrderPlaced('only-from-subscriber')));

    await outbox.transaction(async (manager) => {
      events.runner = manager.queryRunner;
      await manager.query(`INSERT INTO "${schema}".orders (id) VALUES ('quiet-work')`);
    });

    expect(events.seen).toEqual(['beforeCommit(active=true)', 'afterCommit(active=false)']);
    expect(await committedOrders()).toEqual(['quiet-work']);
    await expectOnlySent(['only-from-subscriber']);
  }, 30_000);

  it('in a transaction TypeORM commits, a message published after the outbox wrote its rows fails the commit instead of being lost', async () => {
    const { outbox, bus } = await start();
    const events = new TransactionEvents();
    outbox.dataSource.subscribers.push(events);
    // Published once the outbox's own beforeTransactionCommit has taken the rows: too late to be written.
    events.beforeCommit = async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await outbox.withManager(event.manager, () => bus.publish(new OrderPlaced('too-late')));
    };

    await expect(
      outbox.dataSource.transaction(async (manager) => {
        events.runner = manager.queryRunner;
        await manager.query(`INSERT INTO "${schema}".orders (id) VALUES ('typeorm-work')`);
        await outbox.withManager(manager, () => bus.publish(new OrderPlaced('typeorm-work')));
      }),
    ).rejects.toThrow(/published while its transaction was committing/);

    expect(await committedOrders()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sent()).toEqual([]);
    expect(announced).toEqual([]);
  }, 30_000);

  it('a rolled-back savepoint drops the messages published inside it; a released one keeps them', async () => {
    const { outbox, bus } = await start();
    let watched: ReturnType<typeof watch> | undefined;
    const insertOrder = (manager: EntityManager, id: string) =>
      manager.query(`INSERT INTO "${schema}".orders (id) VALUES ($1)`, [id]);

    await outbox.transaction(async (manager) => {
      const queryRunner = manager.queryRunner!;
      watched = watch(clientOf(manager));
      await insertOrder(manager, 'outer');
      await bus.publish(new OrderPlaced('outer'));

      await queryRunner.startTransaction();
      await insertOrder(manager, 'rolled-back');
      await bus.publish(new OrderPlaced('rolled-back'));
      await queryRunner.startTransaction();
      await bus.publish(new OrderPlaced('rolled-back-nested'));
      await queryRunner.commitTransaction();
      await queryRunner.rollbackTransaction();

      await queryRunner.startTransaction();
      await insertOrder(manager, 'released');
      await bus.publish(new OrderPlaced('released'));
      await queryRunner.commitTransaction();
    });
    watched?.stop();

    // The commit was pipelined, with the two rows that outlived their savepoints.
    const inserts = outgoingInserts(watched!.statements);
    expect(inserts).toEqual([expect.objectContaining({ pipeline: true })]);
    expect(inserts[0]!.values).toHaveLength(16);
    expect(await committedOrders()).toEqual(['outer', 'released']);
    // Neither sent nor announced as sent: the dropped messages' enlistments settled as not committed.
    await expectOnlySent(['outer', 'released']);
  }, 30_000);
});
