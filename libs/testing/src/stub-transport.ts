import {
  decodeCloudEvent,
  type DeadLetterReason,
  type Envelope,
  type IncomingRecord,
  type MessageTransport,
  type TransportRecord,
  type TransportSubscription,
} from '@momentum/messaging';

/** A record a {@link StubTransport} was asked to dead-letter, with the reason. */
export interface StubDeadLetter {
  readonly record: IncomingRecord;
  readonly reason: DeadLetterReason;
}

/**
 * A {@link MessageTransport} that connects to nothing: it records what is published, accepts
 * subscriptions and never delivers anything. {@link stubExternalTransports} puts one in place of
 * every external transport; fetch it with {@link stubbedTransport} to assert on what left the app.
 *
 * It is not `external` itself (there is no broker behind it), and it holds no work in flight, so a
 * tracked session never waits for it.
 */
export class StubTransport implements MessageTransport {
  readonly external = false;
  /** Every record published, in order (CloudEvents in binary mode: `ce_*` headers, JSON value). */
  readonly published: TransportRecord[] = [];
  /** Every subscription registered by the bus. */
  readonly subscriptions: TransportSubscription[] = [];
  /** Records the bus asked to dead-letter (none, as long as nothing is delivered). */
  readonly deadLettered: StubDeadLetter[] = [];
  private state: 'new' | 'started' | 'closed' = 'new';

  constructor(
    /** The name of the transport it stands in for, so routes and records read the same. */
    readonly name: string,
    /** The transport it replaced, if any; never started or used. */
    readonly replaced?: MessageTransport,
  ) {}

  /** Whether the bus started it (at application bootstrap). */
  get started(): boolean {
    return this.state !== 'new';
  }

  /** Whether the bus closed it (at application shutdown). */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** The topics the app subscribed to, sorted. */
  get subscribedTopics(): string[] {
    return [...new Set(this.subscriptions.flatMap((subscription) => subscription.topics))].sort();
  }

  /** {@link published} decoded back into envelopes (the message is the JSON body, not a class instance). */
  get envelopes(): Envelope<Record<string, unknown>>[] {
    return this.published.map((record, index) =>
      decodeCloudEvent({ ...record, partition: 0, offset: String(index) }),
    );
  }

  /** Records the subscription; nothing is ever delivered to it. */
  subscribe(subscription: TransportSubscription): void {
    this.subscriptions.push(subscription);
  }

  /** Marks the stub started; connects to nothing. */
  async start(): Promise<void> {
    if (this.state === 'new') this.state = 'started';
  }

  /** Records the records and acknowledges at once. */
  async publish(records: readonly TransportRecord[]): Promise<void> {
    this.published.push(...records);
  }

  /** Records the record and the reason in {@link deadLettered}. */
  async deadLetter(record: IncomingRecord, reason: DeadLetterReason): Promise<void> {
    this.deadLettered.push({ record, reason });
  }

  /** Marks the stub closed; {@link published} stays readable. */
  async close(): Promise<void> {
    this.state = 'closed';
  }

  /** Forgets what was published and dead-lettered, e.g. between two acts of a test. */
  clear(): void {
    this.published.length = 0;
    this.deadLettered.length = 0;
  }
}
