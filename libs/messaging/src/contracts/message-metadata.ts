import type { MessageClass } from './message-class.js';

/** What kind of message a class is, as declared by its decorator. */
export type MessageKind = 'integration-event' | 'domain-event' | 'command' | 'query' | 'message';

/** Everything the bus knows about a message class from its decorators. */
export interface MessageMetadata {
  /** The stable message type name (the CloudEvents `type` on the wire). */
  readonly type: string;
  readonly kind: MessageKind;
  /** The topic of an integration event. */
  readonly topic?: string;
}

const MESSAGE_METADATA = Symbol.for('momentum:message');

/** Attaches message metadata to a class; used by the contract decorators. */
export function defineMessage(target: MessageClass, metadata: MessageMetadata): void {
  if (!metadata.type || typeof metadata.type !== 'string') {
    throw new TypeError(`${target.name}: a message type name must be a non-empty string`);
  }
  Reflect.defineMetadata(MESSAGE_METADATA, metadata, target);
}

/**
 * The metadata of a message class. Undecorated classes are plain messages named after the class,
 * which is convenient in one process but not stable under minification: decorate anything that
 * crosses a process boundary.
 */
export function messageMetadataOf(target: MessageClass): MessageMetadata {
  const declared = Reflect.getOwnMetadata(MESSAGE_METADATA, target) as MessageMetadata | undefined;
  return declared ?? { type: target.name, kind: 'message' };
}

/** The stable type name of a message class or instance. */
export function messageTypeOf(message: object | MessageClass): string {
  const target = typeof message === 'function' ? message : message.constructor;
  return messageMetadataOf(target as MessageClass).type;
}
