/** A message that could not be handled, kept with the reason for inspection and replay. */
export interface DeadLetter {
  readonly id: string;
  readonly messageId: string;
  readonly messageType: string;
  /** The message as JSON. */
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  readonly tenantId?: string;
  readonly correlationId?: string;
  /** Where it failed: a local queue name, or `transport:topic` for a consumed record. */
  readonly source: string;
  /** `Class.method` of the failing handler, when a handler failed. */
  readonly handler?: string;
  readonly errorType: string;
  readonly errorMessage: string;
  readonly errorStack?: string;
  readonly attempts: number;
  readonly failedAt: Date;
  /** False for records that could not even be decoded: there is no message to replay. */
  readonly replayable: boolean;
}

/** Filter of {@link DeadLetterStore.list}. */
export interface DeadLetterQuery {
  readonly messageType?: string;
  readonly tenantId?: string;
  readonly since?: Date;
  readonly until?: Date;
  readonly limit?: number;
}
