import type { MessageClass } from '../contracts/message-class.js';

/** An explicit route: these messages leave through `transport`, to `topic`. Explicit routes win over conventions. */
export interface MessageRoute {
  /** Message classes or type names. */
  readonly messages: readonly (MessageClass | string)[];
  /** Name of a configured transport. */
  readonly transport: string;
  /** Topic to publish to; defaults to the message's `@EventTopic`, else its type name. */
  readonly topic?: string;
}
