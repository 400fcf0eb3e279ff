import type {
  DeadLetterReason,
  IncomingRecord,
  MessageTransport,
  TransportRecord,
  TransportSubscription,
} from '@momentum/messaging';

/** A record as it crosses the process boundary. */
export interface IpcRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** Messages between a child relay process and the test process. */
export type ChildMessage =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'record'; readonly id: number; readonly record: IpcRecord };
export type ParentMessage = { readonly type: 'ack'; readonly id: number } | { readonly type: 'stop' };

/**
 * The child side of a transport whose broker lives in the test process: each record is sent to
 * the parent over IPC, one message per record, and counts as published once the parent (which
 * appends it to its in-memory broker) acknowledges it. Publish-only: the child relays, it does not consume.
 */
export class IpcTransport implements MessageTransport {
  readonly external = false;
  private nextId = 0;
  private readonly waiting = new Map<number, () => void>();

  constructor(readonly name: string) {
    process.on('message', (message: ParentMessage) => {
      if (message.type !== 'ack') return;
      this.waiting.get(message.id)?.();
      this.waiting.delete(message.id);
    });
  }

  subscribe(_subscription: TransportSubscription): void {}

  async start(): Promise<void> {}

  async publish(records: readonly TransportRecord[]): Promise<void> {
    await Promise.all(records.map((record) => this.send(record)));
  }

  async deadLetter(_record: IncomingRecord, _reason: DeadLetterReason): Promise<void> {}

  async close(): Promise<void> {}

  private send(record: TransportRecord): Promise<void> {
    const id = this.nextId++;
    const message: ChildMessage = {
      type: 'record',
      id,
      record: {
        topic: record.topic,
        key: record.key,
        value: record.value?.toString('base64') ?? null,
        headers: record.headers,
      },
    };
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      process.send!(message);
    });
  }
}
