/** Options of `publish`, `send` and `invoke`. */
export interface PublishOptions {
  /** The tenant of the message; defaults to the ambient flow's tenant. */
  readonly tenantId?: string;
  /** Overrides the partition key the message declares. */
  readonly partitionKey?: string;
  /** Extra headers to carry. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Use this id instead of a generated one (idempotent producers). */
  readonly id?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
}

/** When a scheduled message is due: after a delay or at a date. */
export type ScheduleOptions = PublishOptions & ({ readonly delayMs: number } | { readonly at: Date });
