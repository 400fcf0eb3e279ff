import {
  InMemoryTransport,
  type DeadLetterReason,
  type IncomingRecord,
  type InMemoryBroker,
  type MessageTransport,
  type TransportRecord,
  type TransportSubscription,
} from '@momentum/messaging';

/**
 * An in-memory transport whose broker can be made to fail: while `down`, every publish rejects;
 * `refuse` decides per record whether to reject it (and with what). Publish attempts are counted.
 */
export class FlakyTransport implements MessageTransport {
  readonly name = 'in-memory';
  readonly external = false;
  down = false;
  refuse: (record: TransportRecord) => Error | undefined = () => undefined;
  publishCalls = 0;
  private readonly inner: InMemoryTransport;

  constructor(broker: InMemoryBroker) {
    this.inner = new InMemoryTransport({ broker });
  }

  subscribe(subscription: TransportSubscription): void {
    this.inner.subscribe(subscription);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async publish(records: readonly TransportRecord[]): Promise<void> {
    this.publishCalls++;
    if (this.down) throw Object.assign(new Error('broker unreachable'), { name: 'BrokerDownError' });
    for (const record of records) {
      const refusal = this.refuse(record);
      if (refusal) throw refusal;
    }
    await this.inner.publish(records);
  }

  deadLetter(record: IncomingRecord, reason: DeadLetterReason): Promise<void> {
    return this.inner.deadLetter(record, reason);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The `orderId` of an `OrderPlaced` record. */
export function orderIdOf(record: TransportRecord): string {
  return (JSON.parse(record.value!.toString()) as { orderId: string }).orderId;
}
