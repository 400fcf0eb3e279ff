import { Injectable } from '@nestjs/common';
import type { ContextualBus } from './message-context.js';
import type { PublishOptions, ScheduleOptions } from './message-bus.types.js';
import { MessagingRuntime } from '../module/messaging-runtime.js';

/**
 * The entry point for sending messages. Inside a handler, messages published here join the handled
 * message's flow (correlation id, causation id, tenant).
 */
@Injectable()
export class MessageBus implements ContextualBus {
  constructor(private readonly runtime: MessagingRuntime) {}

  /**
   * Sends `message` to every route: the transport topic of an integration event, the local queues
   * of its handlers. A message with no route is a logged no-op.
   */
  publish(message: object, options?: PublishOptions): Promise<void> {
    return this.runtime.dispatch(message, options, 'publish');
  }

  /** Sends `message` to its single route; none or several is an error. */
  send(message: object, options?: PublishOptions): Promise<void> {
    return this.runtime.dispatch(message, options, 'send');
  }

  /**
   * Runs the single local handler of `message` inline and returns what it returned, typically a
   * `Result`. Validation failures of a command or query come back as a failed `Result`; a handler
   * error is retried by policy, then thrown to the caller. No handler, or several, is an error.
   */
  invoke<T = unknown>(message: object, options?: PublishOptions): Promise<T> {
    return this.runtime.invoke<T>(message, options);
  }

  /** Publishes `message` later: after `delayMs`, or at `at`. */
  schedule(message: object, options: ScheduleOptions): Promise<void> {
    return this.runtime.schedule(message, options);
  }
}
