/** Field-level detail of a validation failure. */
export interface FieldError {
  /** Property path, e.g. `items.0.quantity`. */
  readonly field: string;
  readonly messages: readonly string[];
}

/**
 * An error that retrying cannot fix. The bus dead-letters a message that failed with one at once,
 * whatever the retry policy says, unless an explicit policy names the error class.
 */
export abstract class NonRetryableError extends Error {
  /** Marks the error as not worth retrying. */
  readonly nonRetryable = true;

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A message failed `class-validator` validation. */
export class MessageValidationError extends NonRetryableError {
  constructor(
    readonly messageType: string,
    readonly fieldErrors: readonly FieldError[],
  ) {
    super(
      `${messageType} is invalid: ${fieldErrors.map((e) => `${e.field} (${e.messages.join(', ')})`).join('; ')}`,
    );
    this.name = 'MessageValidationError';
  }
}

/** A record could not be turned into a message (not a CloudEvent, bad JSON, …). */
export class MessageDeserializationError extends NonRetryableError {
  constructor(message: string) {
    super(message);
    this.name = 'MessageDeserializationError';
  }
}

/** `send` or `invoke` found no route or handler for a message. */
export class NoRouteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoRouteError';
  }
}

/** A handler is declared in a way the bus cannot call. Raised at startup. */
export class HandlerDeclarationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandlerDeclarationError';
  }
}

/** `MessagingModule` options are invalid. Raised at startup, naming the option. */
export class MessagingConfigurationError extends Error {
  constructor(
    /** The option path, e.g. `queues.domain-events.parallelism`. */
    readonly option: string,
    problem: string,
  ) {
    super(`MessagingModule option '${option}' ${problem}`);
    this.name = 'MessagingConfigurationError';
  }
}

/** Whether an error is marked as not worth retrying. */
export function isNonRetryable(error: unknown): boolean {
  return (error as { nonRetryable?: unknown } | null)?.nonRetryable === true;
}

/** Any thrown value as an `Error`, so failures always have a type, message and stack. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error
    ? thrown
    : new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
