import type { Envelope } from './envelope.js';
import type { PublishOptions, ScheduleOptions } from './message-bus.types.js';

/** The part of the bus a handler sees: it publishes in the flow of the message being handled. */
export interface ContextualBus {
  publish(message: object, options?: PublishOptions): Promise<void>;
  send(message: object, options?: PublishOptions): Promise<void>;
  invoke<T = unknown>(message: object, options?: PublishOptions): Promise<T>;
  schedule(message: object, options: ScheduleOptions): Promise<void>;
}

/**
 * What a handler knows about the message it is handling. Declare a parameter of this type on an
 * `@EventHandler()` method to receive it. Messages published through `context.bus` carry this
 * message's correlation id, its id as causation id, and its tenant.
 */
export class MessageContext<T extends object = object> {
  constructor(
    /** The envelope being handled. */
    readonly envelope: Envelope<T>,
    /** 1 on the first attempt, then 2, 3, … on retries. */
    readonly attempt: number,
    /** The bus, bound to this message's flow. */
    readonly bus: ContextualBus,
  ) {}

  get id(): string {
    return this.envelope.id;
  }
  get message(): T {
    return this.envelope.message;
  }
  get correlationId(): string {
    return this.envelope.correlationId;
  }
  get causationId(): string | undefined {
    return this.envelope.causationId;
  }
  get tenantId(): string | undefined {
    return this.envelope.tenantId;
  }
  get headers(): Readonly<Record<string, string>> {
    return this.envelope.headers;
  }
}
