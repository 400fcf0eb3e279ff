// commitFailure: which errors of a commit leave its outcome unknown (no answer from the server)
// and which are the server's own answer (the transaction did not commit).
import { describe, expect, it } from '@jest/globals';
import { CommitOutcomeUnknownError, MessageStoreUnavailableError } from '@momentum/outbox';
import { commitFailure } from '../src/transactions/commit-outcome-unknown-error.js';

/** An error as node-postgres reports one, with an optional SQLSTATE or socket code. */
function pgError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

describe('commitFailure', () => {
  it.each([
    ['a closed connection', pgError('Connection terminated unexpectedly')],
    ['a reset socket', pgError('read ECONNRESET', 'ECONNRESET')],
    ['a client query timeout', pgError('Query read timeout')],
    ['a terminated backend', pgError('terminating connection due to administrator command', '57P01')],
  ])('makes %s an unknown outcome, keeping the original as the cause', (_what, error) => {
    const failure = commitFailure(error);
    expect(failure).toBeInstanceOf(CommitOutcomeUnknownError);
    expect(failure).toBeInstanceOf(MessageStoreUnavailableError);
    expect((failure as Error).name).toBe('CommitOutcomeUnknownError');
    expect((failure as Error).cause).toBe(error);
    expect((failure as Error).message).toBe(
      `The transaction may or may not have committed: the connection failed during the commit (${error.message})`,
    );
  });

  it('unwraps a MessageStoreUnavailableError to its cause', () => {
    const lost = pgError('Connection terminated unexpectedly');
    expect((commitFailure(new MessageStoreUnavailableError(lost)) as Error).cause).toBe(lost);
  });

  it.each([
    ['a serialization failure', pgError('could not serialize access', '40001')],
    ['a deferred constraint violation', pgError('duplicate key value', '23505')],
    ['a subscriber error', new Error('audit refused the order')],
  ])('leaves %s as it is: the server answered, nothing committed', (_what, error) => {
    expect(commitFailure(error)).toBe(error);
  });
});
