/**
 * A message on its way through the bus, with everything that travels beside it. Transports carry
 * envelopes (as CloudEvents on the wire), queues hold them, handlers see them through their context.
 */
export interface Envelope<T extends object = object> {
  /** Unique message id (the CloudEvents `id`); the inbox deduplicates on it. */
  readonly id: string;
  /** The stable message type name (the CloudEvents `type`). */
  readonly type: string;
  readonly message: T;
  /** Id of the first message of the flow this message belongs to. */
  readonly correlationId: string;
  /** Id of the message whose handler produced this one. */
  readonly causationId?: string;
  readonly tenantId?: string;
  /** Messages with the same key keep their order. */
  readonly partitionKey?: string;
  /** The CloudEvents `source` of the producing service, `/{domain}/{service}`. */
  readonly source: string;
  /** When the message was created (ISO 8601). */
  readonly time: string;
  /** The topic, for messages that travel on a transport. */
  readonly topic?: string;
  /** Free-form headers: trace context, user metadata. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Well-known header names used by the bus itself. */
export const MessageHeaders = {
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;
