/** A dead letter that does not exist (any more). */
export class DeadLetterNotFoundError extends Error {
  override readonly name = 'DeadLetterNotFoundError';

  constructor(readonly deadLetterId: string) {
    super(`No dead letter with id ${deadLetterId}`);
  }
}

/** A dead letter that cannot be replayed: the record could not even be decoded. */
export class DeadLetterNotReplayableError extends Error {
  override readonly name = 'DeadLetterNotReplayableError';

  constructor(readonly deadLetterId: string) {
    super(`Dead letter ${deadLetterId} is not replayable (its record could not be decoded)`);
  }
}
