/** One reason a command or query failed. */
export interface ResultError {
  /** A machine-readable code, e.g. `validation`, `not_found`, `conflict`. */
  readonly code: string;
  readonly message: string;
  /** The offending property path, for validation errors. */
  readonly field?: string;
}

/**
 * The answer to a command or query: a success carrying a value, or a failure carrying typed errors.
 * A handler may attach messages to cascade once it has succeeded (`Result.ok(order).cascade(event)`).
 */
export class Result<T = void, E extends ResultError = ResultError> {
  private constructor(
    /** True when the operation succeeded. */
    readonly isSuccess: boolean,
    private readonly _value: T | undefined,
    /** The errors of a failure; empty on success. */
    readonly errors: readonly E[],
    /** Messages to publish after the handler succeeded. */
    readonly messages: readonly object[],
  ) {}

  /** A success carrying `value`. */
  static ok<T>(value: T): Result<T, never>;
  static ok(): Result<void, never>;
  static ok<T>(value?: T): Result<T, never> {
    return new Result<T, never>(true, value, [], []);
  }

  /** A failure with one or more errors. */
  static fail<E extends ResultError = ResultError>(...errors: [E, ...E[]]): Result<never, E> {
    return new Result<never, E>(false, undefined, errors, []);
  }

  /** Whether `candidate` is a `Result`. */
  static isResult(candidate: unknown): candidate is Result<unknown> {
    return candidate instanceof Result;
  }

  /** True when the operation failed. */
  get isFailure(): boolean {
    return !this.isSuccess;
  }

  /** The value of a success; reading it from a failure throws, naming the errors. */
  get value(): T {
    if (!this.isSuccess) {
      throw new Error(`Result is a failure: ${this.errors.map((e) => e.message).join('; ')}`);
    }
    return this._value as T;
  }

  /** A copy of this result that also cascades `messages` once the handler succeeds. */
  cascade(...messages: object[]): Result<T, E> {
    return new Result<T, E>(this.isSuccess, this._value, this.errors, [...this.messages, ...messages]);
  }

  /** Maps the value of a success; failures pass through. */
  map<U>(mapper: (value: T) => U): Result<U, E> {
    return this.isSuccess
      ? new Result<U, E>(true, mapper(this._value as T), [], this.messages)
      : (this as unknown as Result<U, E>);
  }
}
