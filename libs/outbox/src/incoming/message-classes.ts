import { messageTypeOf, type Envelope, type MessageClass } from '@momentum/messaging';
import { plainToInstance } from 'class-transformer';

/**
 * Message classes by type name, so stored messages (scheduled, durable-queue) become instances of
 * their class again: the ones configured in `messageClasses`, plus every class this process stored.
 */
export class MessageClasses {
  private readonly byType = new Map<string, MessageClass>();

  constructor(classes: readonly MessageClass[] = []) {
    for (const cls of classes) this.byType.set(messageTypeOf(cls), cls);
  }

  /** Remembers the class of `envelope`'s message. */
  learn(envelope: Envelope): void {
    const cls = envelope.message.constructor as MessageClass;
    if (cls !== Object && !this.byType.has(envelope.type)) this.byType.set(envelope.type, cls);
  }

  /** Type names this process can rebuild. */
  known(): string[] {
    return [...this.byType.keys()];
  }

  /** `data` as an instance of the class of `type`, or as it is when the class is unknown here. */
  instantiate(type: string, data: unknown): object {
    const cls = this.byType.get(type);
    if (!cls || typeof data !== 'object' || data === null) return (data ?? {}) as object;
    return plainToInstance(cls as new () => object, data);
  }
}
