import { trace, SpanStatusCode } from '@opentelemetry/api';
import { asError } from '../errors/messaging-errors.js';
import type { MessageExecution, MessageMiddleware } from './message-middleware.js';

/**
 * Turns whatever a handler threw into an `Error` (so dead letters always have a type, message and
 * stack) and records it on the active span.
 */
export class ErrorCaptureMiddleware implements MessageMiddleware {
  async handle(_execution: MessageExecution, next: () => Promise<unknown>): Promise<unknown> {
    try {
      return await next();
    } catch (thrown) {
      const error = asError(thrown);
      const span = trace.getActiveSpan();
      span?.recordException(error);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      throw error;
    }
  }
}
