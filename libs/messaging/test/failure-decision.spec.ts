import { describe, expect, it } from '@jest/globals';
import { FailureActions, MessageValidationError } from '@momentum/messaging';
import { FailureDecider } from '../src/errors/failure-decision.js';

describe('FailureDecider', () => {
  it('grows retry delays exponentially up to the cap, with jitter inside its band', () => {
    const lowest = new FailureDecider(
      [],
      FailureActions.retry({ attempts: 10, initialDelayMs: 100, factor: 2, maxDelayMs: 1_000, jitter: 0.2 }),
      () => 0,
    );
    const highest = new FailureDecider(
      [],
      FailureActions.retry({ attempts: 10, initialDelayMs: 100, factor: 2, maxDelayMs: 1_000, jitter: 0.2 }),
      () => 1,
    );
    const delays = (decider: FailureDecider) =>
      [1, 2, 3, 4, 5].map((attempt) => {
        const decision = decider.decide(new Error('x'), 'T', attempt);
        return decision.kind === 'retry' ? decision.delayMs : -1;
      });
    expect(delays(lowest)).toEqual([80, 160, 320, 640, 800]);
    expect(delays(highest)).toEqual([120, 240, 480, 960, 1200]);
  });

  it('dead-letters once the attempts are used up', () => {
    const decider = new FailureDecider([], FailureActions.retry({ attempts: 2 }));
    expect(decider.decide(new Error('x'), 'T', 1).kind).toBe('retry');
    expect(decider.decide(new Error('x'), 'T', 2)).toEqual({ kind: 'dead-letter' });
  });

  it('dead-letters non-retryable errors at once unless a policy names them', () => {
    const error = new MessageValidationError('T', [{ field: 'a', messages: ['bad'] }]);
    expect(new FailureDecider([{ action: FailureActions.retry() }]).decide(error, 'T', 1)).toEqual({
      kind: 'dead-letter',
    });
    expect(
      new FailureDecider([{ errors: [MessageValidationError], action: FailureActions.discard() }]).decide(
        error,
        'T',
        1,
      ),
    ).toEqual({ kind: 'discard' });
  });
});
