// Scheduled messages with two nodes: one leader (advisory lock) releases each due message exactly
// once; when it goes away the other node takes over; rows of nodes that stopped heartbeating are reclaimed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InMemoryBroker } from '@momentum/messaging';
import { balancedNodeOptions } from './support/balanced-nodes.js';
import { eventually } from './support/eventually.js';
import { startOutboxApp, type OutboxTestApp } from './support/outbox-app.js';
import { adminQuery, databaseUrl, dropSchema, uniqueSchema } from './support/postgres.js';
import { ORDER_PLACED, OrderPlaced } from './support/test-messages.js';

describe('scheduling and node ownership with two nodes', () => {
  const url = databaseUrl();
  const schema = uniqueSchema('scheduling');
  const broker = new InMemoryBroker();
  const options = balancedNodeOptions(url, schema);
  let nodes: OutboxTestApp[] = [];

  const sentIds = () => broker.records(ORDER_PLACED).map((record) => record.headers['ce_id']!);
  const leaders = () => nodes.filter((node) => node.runtime.agent?.isLeader);

  beforeAll(async () => {
    nodes = [
      await startOutboxApp({ outbox: options, broker }),
      await startOutboxApp({ outbox: options, broker }),
    ];
  }, 60_000);

  afterAll(async () => {
    for (const node of nodes) await node.close();
    await dropSchema(schema);
  }, 30_000);

  it('elects one leader, which releases every due message exactly once', async () => {
    await eventually(() => leaders().length === 1, 'a leader');
    const scheduled: string[] = [];
    // Due in 2 to 2.6 s: even a slow machine stores all of them before the first is due.
    const dueFrom = Date.now() + 2_000;
    for (const [index, node] of nodes.entries()) {
      for (let i = 0; i < 25; i++) {
        const id = `scheduled-${index}-${i}`;
        scheduled.push(id);
        await node.bus.schedule(new OrderPlaced(`order-${i}`, i), {
          id,
          at: new Date(dueFrom + ((i * 37) % 600)),
        });
      }
    }
    expect(sentIds()).toEqual([]);
    await eventually(() => sentIds().length >= scheduled.length, 'every scheduled message sent');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sentIds().sort()).toEqual(scheduled.sort());
    expect(leaders()).toHaveLength(1);
  }, 30_000);

  it('fails over: when the leader stops, the other node becomes leader and releases what is due', async () => {
    const [leader] = leaders();
    const survivor = nodes.find((node) => node !== leader)!;
    const before = sentIds().length;
    await survivor.bus.schedule(new OrderPlaced('after-failover'), { id: 'after-failover', delayMs: 300 });
    await leader!.close();
    nodes = [survivor];
    await eventually(() => survivor.runtime.agent!.isLeader, 'the survivor to lead', 5_000);
    await eventually(() => sentIds().includes('after-failover'), 'the message released by the new leader');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sentIds().length).toBe(before + 1);
  }, 30_000);

  it('ejects a node that stopped heartbeating and reclaims its rows', async () => {
    const [dead] = await adminQuery<{ id: number }>(
      `INSERT INTO "${schema}".nodes (name, heartbeat_at) VALUES ('dead-node', now() - interval '1 hour') RETURNING id`,
    );
    await adminQuery(
      `INSERT INTO "${schema}".incoming (id, consumer, status, owner_id, message_type, envelope)
       VALUES ('orphan', 'queue:domain-events', 'incoming', $1, 't', '{}'::jsonb)`,
      [dead!.id],
    );
    await eventually(
      async () =>
        (await adminQuery(`SELECT 1 FROM "${schema}".incoming WHERE id = 'orphan' AND owner_id = 0`))
          .length === 1,
      'the orphaned row released',
    );
    expect(await adminQuery(`SELECT id FROM "${schema}".nodes WHERE id = $1`, [dead!.id])).toEqual([]);
  }, 30_000);
});
