import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { EventHandler, type Envelope } from '@momentum/messaging';
import { createOutboxMigrations, type OutboxModuleOptions } from '@momentum/outbox';
import { DataSource, type EntityManager } from 'typeorm';
import { queueConsumer } from '../../src/incoming/incoming-store.js';
import { storeEnvelope } from '../../src/incoming/stored-envelope.js';
import { KEY_BUCKETS } from '../../src/outgoing/key-buckets.js';
import { ensureStoreSchema } from '../../src/schema/ensure-store-schema.js';
import { MessageStore } from '../../src/schema/message-store.js';
import { eventually } from '../support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from '../support/outbox-app.js';
import { ORDER_PLACED, OrderPlaced, StockReserved, outgoingRow } from '../support/test-messages.js';

/** A database the conformance suite runs against. */
export interface StoreUnderTest {
  /** A DataSource the suite uses directly (store-level cases). */
  readonly dataSource: DataSource;
  readonly embedded: boolean;
  /** A fresh schema name (the server is shared; PGlite instances are not). */
  schema(prefix: string): string;
  /** Options that make `OutboxModule` use this kind of database with `schema`. */
  moduleOptions(schema: string): OutboxModuleOptions;
  /** An initialized DataSource of the same kind, with `migrations`, and how to close it. */
  dataSourceWith(
    migrations: DataSource['options']['migrations'],
  ): Promise<{ dataSource: DataSource; close(): Promise<void> }>;
  close(): Promise<void>;
}

let sequence = 0;

function envelope(type: string, message: object, extra: Partial<Envelope> = {}): Envelope {
  sequence++;
  return {
    id: `msg-${Date.now()}-${sequence}`,
    type,
    message,
    correlationId: `corr-${sequence}`,
    source: '/app_domain/conformance',
    time: new Date().toISOString(),
    headers: {},
    ...extra,
  };
}

@Injectable()
class StockHandler {
  readonly seen: string[] = [];
  @EventHandler()
  reserved(event: StockReserved): void {
    this.seen.push(event.orderId);
  }
}

/**
 * The behaviour every database the store runs on must show: the same cases run against a real
 * PostgreSQL server and against PGlite.
 */
export function describeStoreConformance(label: string, open: () => Promise<StoreUnderTest>): void {
  describe(`message store conformance (${label})`, () => {
    let db: StoreUnderTest;
    let store: MessageStore;
    let manager: EntityManager;

    beforeAll(async () => {
      db = await open();
      store = new MessageStore(db.dataSource, db.schema('conf'), db.embedded);
      await ensureStoreSchema(db.dataSource, store.tables);
      manager = db.dataSource.manager;
    }, 60_000);

    afterAll(async () => {
      await db?.close();
    }, 30_000);

    describe('schema', () => {
      it('auto-creation is idempotent and creates the four tables in the configured schema', async () => {
        await ensureStoreSchema(db.dataSource, store.tables);
        const tables = await manager.query(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
          [store.tables.schemaName],
        );
        expect(tables.map((t: { table_name: string }) => t.table_name)).toEqual([
          'dead_letters',
          'incoming',
          'nodes',
          'outgoing',
        ]);
      });

      it('the shipped TypeORM migration creates the same tables, and reverts', async () => {
        const schema = db.schema('mig');
        const { dataSource: migrating, close } = await db.dataSourceWith(createOutboxMigrations({ schema }));
        try {
          const ran = await migrating.runMigrations();
          expect(ran.map((m) => m.name)).toEqual([expect.stringMatching(/^MomentumOutboxInitial.*\d{13}$/)]);
          const count = async (): Promise<number> =>
            Number(
              (
                await migrating.query(
                  `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`,
                  [schema],
                )
              )[0].n,
            );
          expect(await count()).toBe(4);
          await migrating.undoLastMigration();
          expect(await count()).toBe(0);
        } finally {
          await migrating.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await close();
        }
      }, 60_000);
    });

    describe('outgoing', () => {
      it('keeps insertion order, round-trips headers and body, and deletes what was sent', async () => {
        await store.outgoing.insert(manager, [
          outgoingRow('o-1', 'k1'),
          outgoingRow('o-2', 'k2'),
          outgoingRow('o-3', null),
        ]);
        const claimed = await manager.transaction((tx) => store.outgoing.claim(tx, 10));
        expect(claimed.map((r) => [r.id, r.inOrder])).toEqual([
          ['o-1', true],
          ['o-2', true],
          ['o-3', true],
        ]);
        expect(claimed[0]!.headers).toEqual({ ce_id: 'o-1' });
        expect(JSON.parse(claimed[0]!.body!.toString())).toEqual({ id: 'o-1' });
        await store.outgoing.delete(
          manager,
          claimed.map((r) => r.seq),
        );
        expect(await store.outgoing.count(manager)).toBe(0);
      });

      it('a row backing off after a failure holds back the later rows of its key, not other keys', async () => {
        await store.outgoing.insert(manager, [
          outgoingRow('b-1', 'same'),
          outgoingRow('b-2', 'same'),
          outgoingRow('b-3', 'other'),
        ]);
        const [first] = await manager.transaction((tx) => store.outgoing.claim(tx, 1));
        await store.outgoing.fail(manager, first!.seq, 60_000, 'Error: broker down');
        const claimed = await manager.transaction((tx) => store.outgoing.claim(tx, 10));
        expect(claimed.map((r) => [r.id, r.inOrder])).toEqual([
          ['b-2', false],
          ['b-3', true],
        ]);
        const stored = await manager.query(
          `SELECT attempts, last_error FROM ${store.tables.outgoing} WHERE id = 'b-1'`,
        );
        expect(stored[0]).toEqual({ attempts: 1, last_error: 'Error: broker down' });
        await manager.query(`DELETE FROM ${store.tables.outgoing}`);
      });

      it('claims the rows of keys in the buckets asked for, and rows without a key', async () => {
        const keys = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
        await store.outgoing.insert(manager, [
          ...keys.map((key) => outgoingRow(`kb-${key}`, key)),
          outgoingRow('kb-none', null),
        ]);
        const buckets: { key: string; bucket: number }[] = await manager.query(
          `SELECT k AS key, mod(abs(hashtext(k)::bigint), ${KEY_BUCKETS})::int AS bucket FROM unnest($1::text[]) AS k`,
          [keys],
        );
        const asked = [...new Set(buckets.slice(0, 2).map((entry) => entry.bucket))];
        const expected = buckets
          .filter((entry) => asked.includes(entry.bucket))
          .map((entry) => `kb-${entry.key}`);
        const claimed = await manager.transaction((tx) => store.outgoing.claim(tx, 10, asked));
        expect(claimed.map((r) => r.id).sort()).toEqual([...expected, 'kb-none'].sort());
        expect(claimed.every((r) => r.inOrder)).toBe(true);
        await manager.query(`DELETE FROM ${store.tables.outgoing}`);
      });
    });

    describe('incoming', () => {
      it('marks a message handled once per consumer; a second mark is a duplicate', async () => {
        const mark = (consumer: string) =>
          store.incoming.markHandled(manager, { id: 'in-1', consumer, messageType: 't', keepMs: 60_000 });
        expect(await mark('billing')).toBe(true);
        expect(await mark('billing')).toBe(false);
        expect(await mark('shipping')).toBe(true);
      });

      it('purges handled rows past their retention in batches, keeping the others', async () => {
        for (let i = 0; i < 5; i++)
          await store.incoming.markHandled(manager, {
            id: `old-${i}`,
            consumer: 'purge',
            messageType: 't',
            keepMs: 1,
          });
        await store.incoming.markHandled(manager, {
          id: 'young',
          consumer: 'purge',
          messageType: 't',
          keepMs: 60_000,
        });
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(await store.incoming.purgeHandled(manager, 2)).toBe(2);
        expect(await store.incoming.purgeHandled(manager, 10)).toBe(3);
        const left = await manager.query(`SELECT id FROM ${store.tables.incoming} WHERE consumer = 'purge'`);
        expect(left).toEqual([{ id: 'young' }]);
      });

      it('durable-queue rows tell the transaction that stored them, and the server tells how it ended', async () => {
        const consumer = queueConsumer('outcomes');
        const stored = (id: string) =>
          store.incoming.enqueue(manager, consumer, [storeEnvelope(envelope('t', {}, { id }))], 0);
        let running: string | undefined;
        let seenRunning: string | null = null;
        const committed = await db.dataSource.transaction(async (inTransaction) => {
          running = await store.incoming.enqueue(
            inTransaction,
            consumer,
            [storeEnvelope(envelope('t', {}))],
            0,
          );
          seenRunning = await store.incoming.transactionStatus(inTransaction, running!);
          return running;
        });
        let aborted: string | undefined;
        await db.dataSource
          .transaction(async (inTransaction) => {
            aborted = await store.incoming.enqueue(
              inTransaction,
              consumer,
              [storeEnvelope(envelope('t', {}))],
              0,
            );
            throw new Error('roll back');
          })
          .catch(() => undefined);
        const autocommitted = await stored(`auto-${Date.now()}`);

        expect(seenRunning).toBe('in progress');
        expect(await store.incoming.transactionStatus(manager, committed!)).toBe('committed');
        expect(await store.incoming.transactionStatus(manager, aborted!)).toBe('aborted');
        expect(await store.incoming.transactionStatus(manager, autocommitted!)).toBe('committed');
        expect(new Set([committed, aborted, autocommitted]).size).toBe(3);
        expect(await store.incoming.enqueue(manager, consumer, [], 0)).toBeUndefined();
      });

      it('durable-queue rows: claimed once owned by nobody or a dead node, oldest first, never the claimer’s own', async () => {
        const me = await store.nodes.register(manager, 'me');
        const other = await store.nodes.register(manager, 'other');
        const consumer = queueConsumer('domain-events');
        const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => envelope('stock', { name }));
        await store.incoming.enqueue(manager, consumer, [storeEnvelope(a!)], me);
        await store.incoming.enqueue(manager, consumer, [storeEnvelope(b!)], 987_654);
        await store.incoming.enqueue(manager, consumer, [storeEnvelope(c!)], 0);
        await store.incoming.enqueue(manager, consumer, [storeEnvelope(d!)], other);
        const claimed = await store.incoming.claimPending(manager, consumer, me, 10);
        expect(claimed.map((e) => e.id)).toEqual([b!.id, c!.id]);
        expect(claimed[0]!.message).toEqual({ name: 'b' });
        expect(await store.incoming.claimPending(manager, consumer, me, 10)).toEqual([]);
        await store.incoming.complete(manager, b!.id, consumer, 60_000);
        await store.nodes.remove(manager, me);
        expect((await store.incoming.claimPending(manager, consumer, other, 10)).map((e) => e.id)).toEqual([
          a!.id,
          c!.id,
        ]);
      });

      it('inbox claims: one statement claims new messages, finds handled ones and ones a live node holds', async () => {
        const me = await store.nodes.register(manager, 'me');
        const other = await store.nodes.register(manager, 'other');
        const claim = (id: string) => ({ id, consumer: 'claims', messageType: 'paid' });
        expect(await store.incoming.claimForInbox(manager, [claim('m1'), claim('m2')], other)).toEqual([
          'claimed',
          'claimed',
        ]);
        await store.incoming.markClaimsHandled(manager, [claim('m1')], other, 60_000);
        expect(
          await store.incoming.claimForInbox(manager, [claim('m1'), claim('m2'), claim('m3')], me),
        ).toEqual(['handled', 'busy', 'claimed']);
        await store.incoming.releaseClaims(manager, [claim('m3')], me);
        await store.nodes.remove(manager, other);
        expect(await store.incoming.claimForInbox(manager, [claim('m3'), claim('m2')], me)).toEqual([
          'claimed',
          'claimed',
        ]);
        await store.incoming.markClaimsHandled(manager, [claim('m2'), claim('m3')], me, 60_000);
        const rows = await manager.query(
          `SELECT id, status, owner_id FROM ${store.tables.incoming} WHERE consumer = 'claims' ORDER BY id`,
        );
        expect(rows).toEqual([
          { id: 'm1', status: 'handled', owner_id: 0 },
          { id: 'm2', status: 'handled', owner_id: 0 },
          { id: 'm3', status: 'handled', owner_id: 0 },
        ]);
      });

      it('inbox claims of several consumers, types and tenants in one statement keep each row its own values', async () => {
        const me = await store.nodes.register(manager, 'me');
        const claims = [
          { id: 'x1', consumer: 'mixed-a', messageType: 'paid', tenantId: 'tenant-1' },
          { id: 'x1', consumer: 'mixed-b', messageType: 'paid' },
          { id: 'x2', consumer: 'mixed-a', messageType: 'refunded', tenantId: 'tenant-2' },
          { id: 'x3', consumer: 'mixed-b', messageType: 'refunded', tenantId: 'tenant-1' },
        ];
        expect(await store.incoming.claimForInbox(manager, claims, me)).toEqual([
          'claimed',
          'claimed',
          'claimed',
          'claimed',
        ]);
        await store.incoming.markClaimsHandled(manager, [claims[1]!, claims[2]!], me, 60_000);
        await store.incoming.releaseClaims(manager, [claims[3]!], me);
        const rows = await manager.query(
          `SELECT id, consumer, message_type, tenant_id, status FROM ${store.tables.incoming}
           WHERE consumer LIKE 'mixed-%' ORDER BY id, consumer`,
        );
        expect(rows).toEqual([
          { id: 'x1', consumer: 'mixed-a', message_type: 'paid', tenant_id: 'tenant-1', status: 'incoming' },
          { id: 'x1', consumer: 'mixed-b', message_type: 'paid', tenant_id: null, status: 'handled' },
          {
            id: 'x2',
            consumer: 'mixed-a',
            message_type: 'refunded',
            tenant_id: 'tenant-2',
            status: 'handled',
          },
        ]);
        expect(await store.incoming.claimForInbox(manager, [claims[2]!, claims[0]!, claims[3]!], me)).toEqual(
          ['handled', 'claimed', 'claimed'],
        );
      });

      it('purges batched-inbox claims nobody owns once older than the retention, and nothing else', async () => {
        const me = await store.nodes.register(manager, 'me');
        const claim = (id: string) => ({ id, consumer: 'abandoned', messageType: 'paid' });
        await store.incoming.claimForInbox(manager, [claim('kept-owned'), claim('abandoned')], me);
        await manager.query(
          `UPDATE ${store.tables.incoming} SET received_at = now() - interval '1 hour'
           WHERE consumer = 'abandoned'`,
        );
        await store.incoming.releaseOwner(manager, me);
        await store.incoming.claimForInbox(manager, [claim('kept-owned')], me);
        await store.incoming.enqueue(manager, 'abandoned', [storeEnvelope(envelope('stock', {}))], 0);
        await manager.query(
          `UPDATE ${store.tables.incoming} SET received_at = now() - interval '1 hour' WHERE consumer = 'abandoned'`,
        );
        expect(await store.incoming.purgeAbandonedClaims(manager, 60_000, 10)).toBe(1);
        const left = await manager.query(
          `SELECT id FROM ${store.tables.incoming} WHERE consumer = 'abandoned' AND envelope IS NULL`,
        );
        expect(left).toEqual([{ id: 'kept-owned' }]);
        expect(await store.incoming.purgeAbandonedClaims(manager, 60_000, 10)).toBe(0);
      });

      it('scheduled rows come out once when due, only for known types, earliest first', async () => {
        const later = envelope('known', { n: 'later' });
        const soon = envelope('known', { n: 'soon' });
        const unknown = envelope('unknown', { n: 'x' });
        const future = envelope('known', { n: 'future' });
        await store.incoming.schedule(manager, storeEnvelope(later), new Date(Date.now() - 1_000));
        await store.incoming.schedule(manager, storeEnvelope(soon), new Date(Date.now() - 2_000));
        await store.incoming.schedule(manager, storeEnvelope(soon), new Date(Date.now() - 2_000));
        await store.incoming.schedule(manager, storeEnvelope(unknown), new Date(Date.now() - 1_000));
        await store.incoming.schedule(manager, storeEnvelope(future), new Date(Date.now() + 60_000));
        const due = await manager.transaction((tx) => store.incoming.takeDue(tx, ['known'], 10));
        expect(due.map((e) => (e.message as { n: string }).n)).toEqual(['soon', 'later']);
        expect(await manager.transaction((tx) => store.incoming.takeDue(tx, ['known'], 10))).toEqual([]);
      });
    });

    describe('dead letters', () => {
      it('stores the reason and lists by type, tenant, source and time', async () => {
        const base = {
          body: { orderId: 'o-9' },
          headers: { traceparent: 'x' },
          source: 'domain-events',
          errorType: 'Error',
          errorMessage: 'boom',
          errorStack: 'Error: boom\n    at handler',
          attempts: 3,
          replayable: true,
        };
        const t0 = new Date(Date.now() - 60_000);
        await store.deadLetters.insert(manager, {
          ...base,
          id: crypto.randomUUID(),
          messageId: 'd1',
          messageType: 'a',
          tenantId: 't1',
          failedAt: t0,
        });
        await store.deadLetters.insert(manager, {
          ...base,
          id: crypto.randomUUID(),
          messageId: 'd2',
          messageType: 'b',
          tenantId: 't1',
          failedAt: new Date(Date.now() - 2_000),
        });
        await store.deadLetters.insert(manager, {
          ...base,
          id: crypto.randomUUID(),
          messageId: 'd3',
          messageType: 'a',
          tenantId: 't2',
          source: 'kafka:topic',
          replayable: false,
          failedAt: new Date(Date.now() - 1_000),
        });
        const ids = async (query: Parameters<typeof store.deadLetters.list>[1]) =>
          (await store.deadLetters.list(manager, query)).map((letter) => letter.messageId);
        expect(await ids({ messageType: 'a' })).toEqual(['d1', 'd3']);
        expect(await ids({ tenantId: 't1' })).toEqual(['d1', 'd2']);
        expect(await ids({ source: 'kafka:topic' })).toEqual(['d3']);
        expect(await ids({ since: new Date(Date.now() - 30_000) })).toEqual(['d2', 'd3']);
        expect(await ids({ limit: 1, offset: 1 })).toEqual(['d2']);
        const [first] = await store.deadLetters.list(manager, { messageType: 'a', tenantId: 't1' });
        expect(first).toMatchObject({ ...base, messageId: 'd1', failedAt: t0 });
        expect(await store.deadLetters.delete(manager, [first!.id])).toBe(1);
        expect(await store.deadLetters.get(manager, first!.id)).toBeUndefined();
      });
    });

    describe('nodes', () => {
      it('registers, heartbeats, ejects the silent ones and releases their rows', async () => {
        const alive = await store.nodes.register(manager, 'alive');
        const silent = await store.nodes.register(manager, 'silent');
        await store.incoming.enqueue(manager, queueConsumer('q'), [storeEnvelope(envelope('t', {}))], silent);
        await manager.query(
          `UPDATE ${store.tables.nodes} SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`,
          [silent],
        );
        await store.nodes.heartbeat(manager, alive, 'alive');
        const ejected = await store.nodes.ejectStale(manager, 60_000);
        expect(ejected).toContain(silent);
        expect(ejected).not.toContain(alive);
        expect(await store.incoming.releaseOrphans(manager)).toBeGreaterThanOrEqual(1);
        const owners = await manager.query(
          `SELECT owner_id FROM ${store.tables.incoming} WHERE consumer = 'queue:q'`,
        );
        expect(owners).toEqual([{ owner_id: 0 }]);
      });
    });

    describe('through the bus', () => {
      let harness: OutboxTestApp | undefined;

      afterAll(async () => {
        await harness?.close();
      }, 30_000);

      it('sends nothing on rollback and exactly what committed on commit; durable domain events run after commit', async () => {
        harness = await startOutboxApp({
          outbox: db.moduleOptions(db.schema('bus')),
          messaging: { queues: { 'domain-events': { mode: 'durable' } } },
          providers: [StockHandler],
        });
        const { bus, outbox, broker } = harness;
        const handler = harness.app.get(StockHandler);
        await expect(
          outbox.transaction(async () => {
            await bus.publish(new OrderPlaced('rolled-back'));
            await bus.publish(new StockReserved('rolled-back'));
            throw new Error('business rule violated');
          }),
        ).rejects.toThrow('business rule violated');
        let inside: string[] = [];
        await outbox.transaction(async () => {
          await bus.publish(new OrderPlaced('committed', 1));
          await bus.publish(new OrderPlaced('committed', 2));
          await bus.publish(new StockReserved('committed'));
          await new Promise((resolve) => setTimeout(resolve, 50));
          inside = [...handler.seen];
        });
        expect(inside).toEqual([]);
        await eventually(
          () => broker.records(ORDER_PLACED).length === 2 && handler.seen.length === 1,
          'the committed messages',
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
        const sent = broker
          .records(ORDER_PLACED)
          .map((record) => JSON.parse(record.value!.toString()) as OrderPlaced);
        expect(sent).toEqual([
          { orderId: 'committed', sequence: 1 },
          { orderId: 'committed', sequence: 2 },
        ]);
        expect(handler.seen).toEqual(['committed']);
        expect(await harness.store.outgoing.count(harness.store.dataSource.manager)).toBe(0);
      }, 60_000);
    });
  });
}
