import { defineMessage, type MessageKind } from './message-metadata.js';
import type { MessageClass } from './message-class.js';

/** Options shared by the message-kind decorators. */
export interface MessageOptions {
  /** A stable type name; defaults to the class name. Set it when code is minified. */
  readonly type?: string;
}

function marker(kind: MessageKind) {
  return (options: MessageOptions = {}): ClassDecorator =>
    (target) => {
      defineMessage(target as unknown as MessageClass, { type: options.type ?? target.name, kind });
    };
}

/** Marks a domain event: handled inside this service only, on the `domain-events` queue by default. */
export const DomainEvent = marker('domain-event');
/** Marks a command: invoked with `bus.invoke` and answered with a `Result`. */
export const Command = marker('command');
/** Marks a query: invoked with `bus.invoke` and answered with a `Result`. */
export const Query = marker('query');
/** Names a plain message explicitly (a stable type name for messages that are neither events nor commands). */
export const Message = marker('message');
