import { describe, expect, it } from '@jest/globals';
import { KeyedDispatcher, type KeyedOutcome } from '../../src/transports/kafka/keyed-dispatcher.js';
import { TenantSlots } from '../../src/transports/kafka/tenant-slots.js';

interface Item {
  readonly key: string | null;
  readonly id: string;
}

/** Work that records starts and ends, and finishes when the test says so. */
class ControlledWork {
  readonly started: string[] = [];
  readonly finished: string[] = [];
  private readonly pending = new Map<string, (outcome: KeyedOutcome) => void>();
  running = 0;
  maxRunning = 0;

  readonly run = (item: Item): Promise<KeyedOutcome> => {
    this.started.push(item.id);
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise<KeyedOutcome>((resolve) => this.pending.set(item.id, resolve)).finally(() => {
      this.running -= 1;
      this.finished.push(item.id);
    });
  };

  async finish(id: string, outcome: KeyedOutcome = 'done'): Promise<void> {
    const resolve = this.pending.get(id);
    if (!resolve) throw new Error(`${id} is not running (started: ${this.started.join(',')})`);
    this.pending.delete(id);
    resolve(outcome);
    await flush();
  }
}

function items(...specs: string[]): Item[] {
  return specs.map((spec) => {
    const [key, id] = spec.split(':');
    return { key: key === '-' ? null : key!, id: id! };
  });
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('KeyedDispatcher', () => {
  it('runs one key strictly in order and different keys at the same time', async () => {
    const work = new ControlledWork();
    const done = new KeyedDispatcher<Item>(8, work.run).run(items('a:a1', 'b:b1', 'a:a2', 'b:b2', 'a:a3'));
    await flush();
    expect(work.started).toEqual(['a1', 'b1']);

    await work.finish('a1');
    expect(work.started).toEqual(['a1', 'b1', 'a2']);
    await work.finish('b1');
    await work.finish('a2');
    await work.finish('b2');
    await work.finish('a3');
    expect(await done).toEqual([]);
    expect(work.finished).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
  });

  it('never runs more than the limit at once', async () => {
    const work = new ControlledWork();
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}:i${i}`);
    const done = new KeyedDispatcher<Item>(3, work.run).run(items(...keys));
    await flush();
    expect(work.started).toHaveLength(3);
    for (let i = 0; i < 10; i++) await work.finish(`i${i}`);
    await done;
    expect(work.maxRunning).toBe(3);
    expect(work.started).toHaveLength(10);
  });

  it('holds back a blocked item and the rest of its key and returns them, while other keys go on', async () => {
    const work = new ControlledWork();
    const done = new KeyedDispatcher<Item>(8, work.run).run(items('a:a1', 'b:b1', 'a:a2', 'b:b2', 'a:a3'));
    await flush();
    await work.finish('a1', 'blocked');
    await work.finish('b1');
    await work.finish('b2');
    expect((await done).map((item) => item.id)).toEqual(['a1', 'a2', 'a3']);
    expect(work.started).toEqual(['a1', 'b1', 'b2']);
  });

  it('treats records without a key as unordered', async () => {
    const work = new ControlledWork();
    const done = new KeyedDispatcher<Item>(8, work.run).run(items('-:x1', '-:x2', '-:x3'));
    await flush();
    expect(work.started).toEqual(['x1', 'x2', 'x3']);
    await work.finish('x2', 'blocked');
    await work.finish('x1');
    await work.finish('x3');
    expect((await done).map((item) => item.id)).toEqual(['x2']);
  });

  it('after stop starts nothing more and settles once the running items are done', async () => {
    const work = new ControlledWork();
    const dispatcher = new KeyedDispatcher<Item>(2, work.run);
    let settled = false;
    const done = dispatcher.run(items('a:a1', 'b:b1', 'c:c1', 'a:a2')).then((rest) => {
      settled = true;
      return rest;
    });
    await flush();
    dispatcher.stop();
    await flush();
    expect(settled).toBe(false);
    await work.finish('a1');
    expect(settled).toBe(false);
    await work.finish('b1');
    expect((await done).map((item) => item.id).sort()).toEqual(['a2', 'c1']);
    expect(work.started).toEqual(['a1', 'b1']);
  });

  it('counts a rejected work promise as blocked', async () => {
    const dispatcher = new KeyedDispatcher<Item>(1, async (item) => {
      if (item.id === 'a1') throw new Error('boom');
      return 'done';
    });
    expect((await dispatcher.run(items('a:a1', 'a:a2', 'b:b1'))).map((item) => item.id)).toEqual([
      'a1',
      'a2',
    ]);
  });

  describe('with a per-tenant limit', () => {
    /** The tenant of an item is its key's first letter: keys `A1`, `A2` belong to tenant A. */
    const tenantOf = (item: Item): string | undefined => item.key?.[0];

    it("passes over keys of a tenant at its limit, so another tenant's keys start", async () => {
      const work = new ControlledWork();
      const slots = new TenantSlots(2);
      const done = new KeyedDispatcher<Item>(4, work.run, { slots, tenantOf }).run(
        items('A1:a1', 'A2:a2', 'A3:a3', 'A4:a4', 'B1:b1', 'B2:b2', 'B3:b3'),
      );
      await flush();
      expect(work.started).toEqual(['a1', 'a2', 'b1', 'b2']);

      await work.finish('b1');
      expect(work.started.slice(4)).toEqual(['b3']);
      await work.finish('a1');
      expect(work.started.slice(5)).toEqual(['a3']);
      for (const id of ['a2', 'b2', 'b3', 'a3']) await work.finish(id);
      await work.finish('a4');
      expect(await done).toEqual([]);
    });

    it('shares the limit between dispatchers and wakes one waiting for a slot held by another', async () => {
      const work = new ControlledWork();
      const slots = new TenantSlots(1);
      const first = new KeyedDispatcher<Item>(4, work.run, { slots, tenantOf }).run(items('A1:a1'));
      let secondSettled = false;
      const second = new KeyedDispatcher<Item>(4, work.run, { slots, tenantOf })
        .run(items('A2:a2', 'B1:b1'))
        .finally(() => (secondSettled = true));
      await flush();
      expect(work.started).toEqual(['a1', 'b1']);
      await work.finish('b1');
      expect(secondSettled).toBe(false);

      await work.finish('a1');
      expect(await first).toEqual([]);
      expect(work.started).toEqual(['a1', 'b1', 'a2']);
      await work.finish('a2');
      expect(await second).toEqual([]);
    });

    it('returns the items still waiting for a slot when stopped', async () => {
      const work = new ControlledWork();
      const slots = new TenantSlots(1);
      const dispatcher = new KeyedDispatcher<Item>(4, work.run, { slots, tenantOf });
      const done = dispatcher.run(items('A1:a1', 'A2:a2', 'B1:b1'));
      await flush();
      dispatcher.stop();
      await work.finish('a1');
      await work.finish('b1');
      expect((await done).map((item) => item.id)).toEqual(['a2']);
    });

    it('does not limit items without a tenant', async () => {
      const work = new ControlledWork();
      const slots = new TenantSlots(1);
      const done = new KeyedDispatcher<Item>(4, work.run, { slots, tenantOf }).run(
        items('-:x1', '-:x2', '-:x3'),
      );
      await flush();
      expect(work.started).toEqual(['x1', 'x2', 'x3']);
      for (const id of ['x1', 'x2', 'x3']) await work.finish(id);
      expect(await done).toEqual([]);
    });
  });
});
