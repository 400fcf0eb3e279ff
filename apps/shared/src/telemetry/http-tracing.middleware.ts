import { Injectable, type NestMiddleware } from '@nestjs/common';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A server span per HTTP request, continuing the caller's `traceparent` if any, active while the
 * route runs: what the route publishes on the bus joins the request's trace.
 */
@Injectable()
export class HttpTracingMiddleware implements NestMiddleware {
  private readonly tracer = trace.getTracer('momentum-sample-http');

  use(request: IncomingMessage & { originalUrl?: string }, response: ServerResponse, next: () => void): void {
    const parent = propagation.extract(context.active(), request.headers);
    const path = new URL(request.originalUrl ?? request.url ?? '/', 'http://localhost').pathname;
    const span = this.tracer.startSpan(
      `${request.method} ${path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': path } },
      parent,
    );
    response.once('finish', () => {
      span.setAttribute('http.response.status_code', response.statusCode);
      if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  }
}
