import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { EnvelopeFactory } from '../bus/envelope-factory.js';
import { encodeCloudEvent } from '../serialization/cloud-event-codec.js';
import type { MessageTransport } from '../transports/message-transport.js';

/** Options of {@link CloudEventsClient}. */
export interface CloudEventsClientOptions {
  /** The transport to publish through, e.g. a `KafkaTransport`. */
  readonly transport: MessageTransport;
  /** The CloudEvents `source` of this service, `/{domain}/{service}`. */
  readonly source: string;
}

/**
 * The `ClientProxy` matching `CloudEventsServer`: `client.emit(topic, event)` publishes `event` as
 * a CloudEvent (binary mode) to `topic`, keyed by its partition key or tenant. Events decorated
 * with `@EventTopic` keep their CloudEvents type; others are typed by the topic.
 * Request-response (`send`) is not supported: integration events are one-way.
 */
export class CloudEventsClient extends ClientProxy {
  private readonly envelopes: EnvelopeFactory;
  private connection?: Promise<void>;

  constructor(private readonly options: CloudEventsClientOptions) {
    super();
    this.envelopes = new EnvelopeFactory(options.source);
  }

  /** Starts the transport once. */
  connect(): Promise<void> {
    this.connection ??= this.options.transport.start();
    return this.connection;
  }

  async close(): Promise<void> {
    await this.options.transport.close();
    this.connection = undefined;
  }

  /** The underlying transport. */
  unwrap<T>(): T {
    return this.options.transport as T;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    await this.connect();
    const topic = this.normalizePattern(packet.pattern);
    const data: object =
      typeof packet.data === 'object' && packet.data !== null ? packet.data : { value: packet.data };
    const envelope = this.envelopes.create(data);
    const typed = data.constructor === Object ? { ...envelope, type: topic } : envelope;
    await this.options.transport.publish([encodeCloudEvent(typed, topic)]);
    return undefined as T;
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({
      err: 'CloudEventsClient supports events only (emit); request-response is not available',
      isDisposed: true,
    });
    return () => undefined;
  }
}
