import {
  KafkaTransport,
  type DeadLetterReason,
  type IncomingRecord,
  type MessageTransport,
  type TransportRecord,
  type TransportSubscription,
} from '@momentum/messaging';
import { BROKERS } from './infra.js';

/** What an {@link ObservedKafkaTransport} reports around each publish. */
export interface PublishObserver {
  /** Before the records go to Kafka. */
  sending?(records: readonly TransportRecord[]): void;
  /** Once Kafka acknowledged them. */
  sent(records: readonly TransportRecord[]): void;
}

/**
 * The real Kafka transport (named `kafka`, topics provisioned by the benchmark) reporting each
 * publish to an observer: what the relay benchmarks time and count.
 */
export class ObservedKafkaTransport implements MessageTransport {
  readonly name = 'kafka';
  readonly external = true;
  private readonly inner: KafkaTransport;

  constructor(
    clientId: string,
    private readonly observer: PublishObserver,
  ) {
    this.inner = new KafkaTransport({ brokers: BROKERS, clientId, topicDefaults: { provision: 'none' } });
  }

  subscribe(subscription: TransportSubscription): void {
    this.inner.subscribe(subscription);
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  async publish(records: readonly TransportRecord[]): Promise<void> {
    this.observer.sending?.(records);
    await this.inner.publish(records);
    this.observer.sent(records);
  }
  deadLetter(record: IncomingRecord, reason: DeadLetterReason): Promise<void> {
    return this.inner.deadLetter(record, reason);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
