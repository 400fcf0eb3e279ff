// DurableQueueGates: a durable-queue message waits for its enqueuing transaction; when that
// transaction's commit lost its connection, whether the message's row exists decides, asked again
// until the store can answer, and only once it has.
import { describe, expect, it } from '@jest/globals';
import { DurableQueueGates } from '../src/incoming/durable-queue-gates.js';

/** A store answer that fails `failures` times with a connection error, then says `stored`. */
function storeAnswering(stored: boolean, failures: number) {
  const asked = { count: 0 };
  const ask = async () => {
    asked.count++;
    if (asked.count <= failures) throw new Error('Connection terminated unexpectedly');
    return stored;
  };
  return { asked, ask };
}

describe('DurableQueueGates', () => {
  it('passes a known outcome through without asking the store', async () => {
    const gates = new DurableQueueGates();
    const store = storeAnswering(false, 0);
    gates.hold('m-1', Promise.resolve('committed'), store.ask);
    gates.hold('m-2', Promise.resolve('rolled-back'), store.ask);
    expect(await gates.outcomeOf('m-1')).toBe('committed');
    expect(await gates.outcomeOf('m-2')).toBe('rolled-back');
    expect(gates.outcomeOf('not-gated')).toBeUndefined();
    expect(store.asked.count).toBe(0);
  });

  it('decides an unknown outcome by whether the row exists, asking the store once', async () => {
    const gates = new DurableQueueGates();
    const committed = storeAnswering(true, 0);
    const rolledBack = storeAnswering(false, 0);
    gates.hold('kept', Promise.resolve('unknown'), committed.ask);
    gates.hold('gone', Promise.resolve('unknown'), rolledBack.ask);
    expect(await gates.outcomeOf('kept')).toBe('committed');
    expect(await gates.outcomeOf('kept')).toBe('committed');
    expect(await gates.outcomeOf('gone')).toBe('rolled-back');
    expect([committed.asked.count, rolledBack.asked.count]).toEqual([1, 1]);
  });

  it('rejects with the reason while the store cannot answer, and asks again on the next attempt', async () => {
    const gates = new DurableQueueGates();
    const store = storeAnswering(true, 2);
    gates.hold('m-3', Promise.resolve('unknown'), store.ask);
    for (let attempt = 0; attempt < 2; attempt++) {
      const failure = await gates.outcomeOf('m-3')!.then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toBe(
        'Outbox: the transaction that enqueued message m-3 lost its connection while committing, ' +
          'and the store cannot tell yet whether it committed',
      );
      expect((failure?.cause as Error).message).toBe('Connection terminated unexpectedly');
    }
    expect(await gates.outcomeOf('m-3')).toBe('committed');
    expect(store.asked.count).toBe(3);
  });

  it('forgets a released message', async () => {
    const gates = new DurableQueueGates();
    gates.hold('m-4', Promise.resolve('committed'), async () => true);
    gates.release('m-4');
    expect(gates.outcomeOf('m-4')).toBeUndefined();
  });
});
