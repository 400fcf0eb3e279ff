import { SetMetadata } from '@nestjs/common';

/** Options of {@link EventHandler}. */
export interface EventHandlerOptions {
  /** Local queue that runs this handler; defaults to `domain-events` for domain events, else `default`. */
  readonly queue?: string;
}

/** Metadata key of {@link EventHandler}. */
export const EVENT_HANDLER_METADATA = 'momentum:event-handler';

/**
 * Marks a provider method as a message handler. The first parameter's type is the message it
 * handles; further parameters receive a `MessageContext` or any provider from the container, by
 * type. The method may return messages (one, an array, or a `Result` with cascaded messages); they
 * are published only after it succeeds.
 */
export const EventHandler = (options: EventHandlerOptions = {}): MethodDecorator =>
  SetMetadata(EVENT_HANDLER_METADATA, options);
