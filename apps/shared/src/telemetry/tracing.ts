import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import type { TracingConfig } from '../config/service-config.js';

/** The process's tracing, once started; `shutdown` flushes what is buffered. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK for the process (W3C trace context, async-local context) with an
 * OTLP/HTTP or console exporter; does nothing when the exporter is `none`. The bus puts the trace
 * context into every message's headers, so one trace follows an order across services.
 */
export function startTracing(serviceName: string, config: TracingConfig): Tracing {
  if (config.exporter === 'none') return { shutdown: async () => {} };
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [processorFor(config)],
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}

function processorFor(config: Exclude<TracingConfig, { exporter: 'none' }>): SpanProcessor {
  if (config.exporter === 'console') return new SimpleSpanProcessor(new ConsoleSpanExporter());
  const url = `${config.endpoint.replace(/\/+$/, '')}/v1/traces`;
  return new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 500 });
}
