import type { Envelope } from '../bus/envelope.js';
import type { MessageContext } from '../bus/message-context.js';
import type { HandlerDescriptor } from '../handlers/handler-descriptor.js';

/** How a handler is being run: `invoke` answers a caller inline; `deliver` runs a queued or consumed message. */
export type ExecutionMode = 'invoke' | 'deliver';

/** One attempt at running one handler for one message, as middleware sees it. */
export interface MessageExecution {
  readonly envelope: Envelope;
  readonly context: MessageContext;
  readonly handler: HandlerDescriptor;
  readonly mode: ExecutionMode;
  /** Where the message came from: a local queue name or `transport:topic`. */
  readonly source: string;
}

/**
 * A step around every handler execution. Call `next()` to continue; return its value (possibly
 * changed) or throw to fail the attempt. Built-in order, outermost first: telemetry, duration
 * logging, error capture, user middleware (in configured order), validation, the handler.
 */
export interface MessageMiddleware {
  handle(execution: MessageExecution, next: () => Promise<unknown>): Promise<unknown>;
}

/** Runs `middleware` around `terminal`, first element outermost. */
export function composeMiddleware(
  middleware: readonly MessageMiddleware[],
  terminal: (execution: MessageExecution) => Promise<unknown>,
): (execution: MessageExecution) => Promise<unknown> {
  return (execution) => {
    const step = (index: number): Promise<unknown> =>
      index === middleware.length
        ? terminal(execution)
        : middleware[index]!.handle(execution, () => step(index + 1));
    return step(0);
  };
}
