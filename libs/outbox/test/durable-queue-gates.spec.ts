// DurableQueueGates: a durable-queue message waits for its enqueuing transaction; when that
// transaction's commit lost its connection, the store's answer decides. While the store cannot tell
// (unreachable, or the server still committing) the message keeps waiting instead of failing, one
// lookup serves everyone waiting, and once the application shuts down a lookup that cannot tell rejects.
import { describe, expect, it } from '@jest/globals';
import { DurableQueueGates, type KnownOutcome } from '../src/incoming/durable-queue-gates.js';

/** Store answers, in order: `'fail'` is a connection error, `undefined` "still committing". */
function lookupAnswering(...answers: (KnownOutcome | undefined | 'fail')[]) {
  const asked = { count: 0 };
  const lookUp = async () => {
    const answer = answers[Math.min(asked.count, answers.length - 1)];
    asked.count++;
    if (answer === 'fail') throw new Error('Connection terminated unexpectedly');
    return answer;
  };
  return { asked, lookUp };
}

const quick = { initialMs: 1, maxMs: 2 };

describe('DurableQueueGates', () => {
  it('passes a known outcome through without asking the store', async () => {
    const gates = new DurableQueueGates(quick);
    const store = lookupAnswering('rolled-back');
    gates.hold('q', 'm-1', Promise.resolve('committed'), store.lookUp);
    gates.hold('q', 'm-2', Promise.resolve('rolled-back'), store.lookUp);
    expect(await gates.outcomeOf('q', 'm-1')).toBe('committed');
    expect(await gates.outcomeOf('q', 'm-2')).toBe('rolled-back');
    expect(gates.outcomeOf('q', 'not-gated')).toBeUndefined();
    expect(store.asked.count).toBe(0);
  });

  it('decides an unknown outcome by the store’s answer, asked once', async () => {
    const gates = new DurableQueueGates(quick);
    const committed = lookupAnswering('committed');
    const rolledBack = lookupAnswering('rolled-back');
    gates.hold('q', 'kept', Promise.resolve('unknown'), committed.lookUp);
    gates.hold('q', 'gone', Promise.resolve('unknown'), rolledBack.lookUp);
    expect(await gates.outcomeOf('q', 'kept')).toBe('committed');
    expect(await gates.outcomeOf('q', 'kept')).toBe('committed');
    expect(await gates.outcomeOf('q', 'gone')).toBe('rolled-back');
    expect([committed.asked.count, rolledBack.asked.count]).toEqual([1, 1]);
  });

  it('keeps waiting while the store is unreachable or the server is still committing, then settles once for everyone', async () => {
    const gates = new DurableQueueGates(quick);
    const store = lookupAnswering('fail', undefined, 'fail', undefined, 'committed');
    gates.hold('q', 'm-3', Promise.resolve('unknown'), store.lookUp);
    const waiting = [
      gates.outcomeOf('q', 'm-3')!,
      gates.outcomeOf('q', 'm-3')!,
      gates.outcomeOf('q', 'm-3')!,
    ];
    expect(await Promise.all(waiting)).toEqual(['committed', 'committed', 'committed']);
    expect(store.asked.count).toBe(5);
    expect(await gates.outcomeOf('q', 'm-3')).toBe('committed');
    expect(store.asked.count).toBe(5);
  });

  it('after shutdown, rejects with the reason when the store cannot tell, and asks again on the next call', async () => {
    const gates = new DurableQueueGates({ initialMs: 60_000, maxMs: 60_000 });
    const store = lookupAnswering('fail', 'fail', 'committed');
    gates.hold('q', 'm-4', Promise.resolve('unknown'), store.lookUp);
    const waiting = gates.outcomeOf('q', 'm-4')!.then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    gates.onModuleDestroy();
    const failure = await waiting;
    expect(failure?.message).toBe(
      'Outbox: the transaction that enqueued message m-4 lost its connection while committing, ' +
        'and the store cannot tell yet whether it committed',
    );
    expect((failure?.cause as Error).message).toBe('Connection terminated unexpectedly');
    expect(store.asked.count).toBe(2);
    expect(await gates.outcomeOf('q', 'm-4')).toBe('committed');
  });

  it('gates a message per queue: releasing it in one queue leaves it gated in another', async () => {
    const gates = new DurableQueueGates(quick);
    const lookUp = async () => 'committed' as const;
    gates.hold('first', 'm-6', Promise.resolve('rolled-back'), lookUp);
    gates.hold('second', 'm-6', Promise.resolve('rolled-back'), lookUp);
    expect(await gates.outcomeOf('first', 'm-6')).toBe('rolled-back');
    gates.release('first', 'm-6');
    expect(gates.outcomeOf('first', 'm-6')).toBeUndefined();
    expect(await gates.outcomeOf('second', 'm-6')).toBe('rolled-back');
  });

  it('forgets a released message', async () => {
    const gates = new DurableQueueGates(quick);
    gates.hold('q', 'm-5', Promise.resolve('committed'), async () => 'committed');
    gates.release('q', 'm-5');
    expect(gates.outcomeOf('q', 'm-5')).toBeUndefined();
  });
});
