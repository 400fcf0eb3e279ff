import { isConnectionError, MessageStoreUnavailableError } from '../database/store-unavailable-error.js';

/** A query timeout of node-postgres (`query_timeout`): the statement may have run on the server. */
const CLIENT_TIMEOUT = /Query read timeout/i;

/**
 * The connection failed while a transaction the module opened was committing: the server may have
 * committed it or not. Its outbox messages are sent if it did (the relay reads what committed) and
 * its durable-queue messages run if it did (the store is asked once it can answer); the caller must
 * not assume either outcome, e.g. before retrying the work. The original error is the `cause`.
 */
export class CommitOutcomeUnknownError extends MessageStoreUnavailableError {
  override readonly name: string = 'CommitOutcomeUnknownError';

  constructor(cause: Error) {
    super(cause);
    this.message = `The transaction may or may not have committed: the connection failed during the commit (${cause.message})`;
  }
}

/**
 * `error`, thrown while a transaction was committing, as a {@link CommitOutcomeUnknownError} when
 * the connection failed (no answer from the server says what happened), else unchanged.
 */
export function commitFailure(error: unknown): unknown {
  if (error instanceof CommitOutcomeUnknownError) return error;
  const original = error instanceof MessageStoreUnavailableError ? error.cause : error;
  if (!(original instanceof Error)) return error;
  const lost = isConnectionError(original) || CLIENT_TIMEOUT.test(original.message);
  return lost ? new CommitOutcomeUnknownError(original) : error;
}
