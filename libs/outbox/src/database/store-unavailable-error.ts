/** Error codes and messages of a database that cannot be reached, as `pg` and PostgreSQL report them. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
/** SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, terminated backend). */
const CONNECTION_SQLSTATE = /^(08|57P)/;
const CONNECTION_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|terminating connection/i;

/**
 * The message store (PostgreSQL) cannot be reached: publishing inside a transaction, the inbox and
 * the relay fail with this until the database is back. The original error is the `cause`.
 */
export class MessageStoreUnavailableError extends Error {
  override readonly name: string = 'MessageStoreUnavailableError';

  constructor(cause: Error) {
    super(`The message store is unavailable: ${cause.message}`, { cause });
  }
}

/** Whether `error` (or what it wraps) means the database could not be reached. */
export function isConnectionError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || CONNECTION_SQLSTATE.test(code)))
      return true;
    if (typeof message === 'string' && CONNECTION_MESSAGE.test(message)) return true;
    current =
      (current as { driverError?: unknown; cause?: unknown }).driverError ??
      (current as { cause?: unknown }).cause;
  }
  return false;
}

/** `error` as a {@link MessageStoreUnavailableError} when it is a connection failure, else unchanged. */
export function translateStoreError(error: unknown): unknown {
  if (error instanceof MessageStoreUnavailableError || !isConnectionError(error)) return error;
  return new MessageStoreUnavailableError(error as Error);
}
