// Leader failover after a crash: the leader is a child process killed with SIGKILL (no shutdown code
// runs); PostgreSQL releases its advisory lock when its connection drops, the surviving node takes
// the lead and releases a message scheduled before the kill, exactly once.
import { afterAll, describe, expect, it } from '@jest/globals';
import { InMemoryBroker } from '@momentum/messaging';
import { FAST_NODES, balancedNodeOptions } from './support/balanced-nodes.js';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { startRelayProcess, type RelayProcess } from './support/relay-processes.js';
import { ORDER_PLACED, OrderPlaced } from './support/test-messages.js';

describe('leader failover after the leader process is killed', () => {
  const url = databaseUrl();
  const schema = uniqueSchema('leader_crash');
  const broker = new InMemoryBroker();
  const options = balancedNodeOptions(url, schema);
  let leader: RelayProcess | undefined;
  let survivor: OutboxTestApp | undefined;

  const sent = (id: string) =>
    broker.records(ORDER_PLACED).filter((record) => record.headers['ce_id'] === id).length;
  /** The backend holding this schema's leader lock (see `StoreTables.leaderLock`), if any. */
  const lockHolder = async () =>
    (
      await adminQuery<{ pid: number }>(
        `SELECT l.pid FROM pg_locks l
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext($1)::bigint`,
        [`momentum-leader:${schema}`],
      )
    )[0]?.pid;

  afterAll(async () => {
    leader?.kill();
    await survivor?.close();
    await dropSchema(schema);
  }, 30_000);

  it('lets the surviving node lead and release a message scheduled before the kill, exactly once', async () => {
    // The schema exists before the child starts (it does not create it).
    await (await startOutboxApp({ outbox: { ...options, nodes: { mode: 'solo' } }, broker })).close();

    leader = startRelayProcess(broker, { schema, batchSize: 100, nodes: FAST_NODES });
    await leader.ready;
    await eventually(async () => (await lockHolder()) !== undefined, 'the child process to lead', 10_000);
    const crashedHolder = await lockHolder();

    survivor = await startOutboxApp({ outbox: options, broker });
    // While the child leads, it releases due messages (the survivor does not lead).
    await survivor.bus.schedule(new OrderPlaced('o-before'), { id: 'released-by-child', delayMs: 50 });
    await eventually(() => sent('released-by-child') === 1, 'the due message released by the child');
    expect(leader.received.map((record) => record.headers['ce_id'])).toContain('released-by-child');
    expect(survivor.runtime.agent!.isLeader).toBe(false);
    expect(await lockHolder()).toBe(crashedHolder);

    const dueAt = Date.now() + 1_500;
    await survivor.bus.schedule(new OrderPlaced('o-after'), {
      id: 'scheduled-before-kill',
      at: new Date(dueAt),
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      leader!.child.once('exit', (_code, signal) => resolve(signal)),
    );
    leader.kill();
    expect(await exited).toBe('SIGKILL');
    expect(sent('scheduled-before-kill')).toBe(0);

    await eventually(() => survivor!.runtime.agent!.isLeader, 'the survivor to lead', 5_000);
    const survivorHolder = await lockHolder();
    expect(survivorHolder).toBeDefined();
    expect(survivorHolder).not.toBe(crashedHolder);
    await eventually(() => sent('scheduled-before-kill') > 0, 'the message released by the survivor');
    expect(Date.now()).toBeGreaterThanOrEqual(dueAt);
    expect(
      await adminQuery(`SELECT id FROM "${schema}".incoming WHERE id = 'scheduled-before-kill'`),
    ).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sent('scheduled-before-kill')).toBe(1);
    expect(sent('released-by-child')).toBe(1);
    expect(survivor.runtime.agent!.isLeader).toBe(true);
  }, 30_000);
});
