import { context, propagation, type Context } from '@opentelemetry/api';

/** The active trace context as W3C headers (`traceparent`, `tracestate`), to carry on a message. */
export function currentTraceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The trace context a message carries, so its handler's span continues the producer's trace. */
export function traceContextOf(headers: Readonly<Record<string, string>>): Context {
  return propagation.extract(context.active(), headers);
}
