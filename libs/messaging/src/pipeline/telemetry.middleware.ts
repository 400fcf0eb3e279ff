import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { traceContextOf } from '../telemetry/trace-context.js';
import type { MessageExecution, MessageMiddleware } from './message-middleware.js';

/** Name of the OpenTelemetry tracer the bus uses. */
export const MESSAGING_TRACER = '@momentum/messaging';

/**
 * One OpenTelemetry span per handled message, a child of the trace the message carries, with the
 * messaging semantic-convention attributes plus `tenant.id`. Uses `@opentelemetry/api` only: it
 * records nothing until the application registers an SDK.
 */
export class TelemetryMiddleware implements MessageMiddleware {
  private readonly tracer = trace.getTracer(MESSAGING_TRACER);

  constructor(private readonly system: (execution: MessageExecution) => string) {}

  handle(execution: MessageExecution, next: () => Promise<unknown>): Promise<unknown> {
    const { envelope } = execution;
    const parent = execution.mode === 'deliver' ? traceContextOf(envelope.headers) : context.active();
    const attributes = {
      'messaging.system': this.system(execution),
      'messaging.operation.type': 'process',
      'messaging.operation.name': execution.mode,
      'messaging.destination.name': execution.source,
      'messaging.message.id': envelope.id,
      'messaging.message.conversation_id': envelope.correlationId,
      'messaging.message.type': envelope.type,
      'messaging.handler': execution.handler.id,
      'messaging.attempt': execution.context.attempt,
      ...(envelope.tenantId ? { 'tenant.id': envelope.tenantId } : {}),
    };
    return this.tracer.startActiveSpan(
      `process ${envelope.type}`,
      { kind: SpanKind.CONSUMER, attributes },
      parent,
      async (span) => {
        try {
          const result = await next();
          span.setStatus({ code: SpanStatusCode.OK });
          return result;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }
}
