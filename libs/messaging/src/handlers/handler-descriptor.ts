import type { MessageClass } from '../contracts/message-class.js';
import type { MessageMetadata } from '../contracts/message-metadata.js';
import type { MessageContext } from '../bus/message-context.js';

/** Supplies one argument of a handler call. */
export type ArgumentResolver = (context: MessageContext) => unknown;

/** A discovered `@EventHandler()` method, ready to call. */
export interface HandlerDescriptor {
  /** `Class.method`, used in logs, spans and dead letters. */
  readonly id: string;
  readonly messageClass: MessageClass;
  readonly message: MessageMetadata;
  /** The local queue that runs it (for messages that do not arrive through a transport). */
  readonly queue: string;
  /** The decorated method itself, so middleware can read its metadata (`Reflect.getMetadata(key, handler.method)`). */
  readonly method: (...args: never[]) => unknown;
  /** Calls the method with resolved arguments. */
  invoke(context: MessageContext): Promise<unknown>;
}
