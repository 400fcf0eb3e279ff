import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { context, propagation, trace, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  DomainEvent,
  EventHandler,
  EventTopic,
  FailureActions,
  MESSAGING_TRACER,
  type MessageExecution,
  type MessageMiddleware,
} from '@momentum/messaging';
import { startMessagingApp, type MessagingTestApp } from './support/messaging-app.js';

@DomainEvent()
class Traced {
  constructor(
    readonly tenantId: string,
    readonly fail = false,
  ) {}
}

@EventTopic('app_domain.test.traced-remote')
class TracedRemote {
  constructor(readonly tenantId: string) {}
}

const order: string[] = [];

@Injectable()
class Recorder implements MessageMiddleware {
  async handle(execution: MessageExecution, next: () => Promise<unknown>): Promise<unknown> {
    order.push(`recorder:before:${execution.handler.id}`);
    const value = await next();
    order.push('recorder:after');
    return value;
  }
}

const tagging: MessageMiddleware = {
  async handle(_execution, next) {
    order.push('tagging:before');
    return next();
  },
};

@Injectable()
class TracedHandler {
  @EventHandler()
  traced(event: Traced): void {
    order.push('handler');
    if (event.fail) throw new Error('traced failure');
  }

  @EventHandler()
  remote(_event: TracedRemote): void {}
}

describe('pipeline', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let harness: MessagingTestApp | undefined;

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(() => {
    trace.disable();
    propagation.disable();
    context.disable();
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    exporter.reset();
    order.length = 0;
  });

  it('runs user middleware in configured order inside the built-ins, around the handler', async () => {
    harness = await startMessagingApp([TracedHandler], { middleware: [Recorder, tagging] });
    await harness.bus.publish(new Traced('t-1'));
    await harness.idle();
    expect(order).toEqual([
      'recorder:before:TracedHandler.traced',
      'tagging:before',
      'handler',
      'recorder:after',
    ]);
  });

  it('opens one span per handled message with messaging attributes and the tenant', async () => {
    harness = await startMessagingApp([TracedHandler]);
    await harness.bus.publish(new Traced('tenant-42'), { correlationId: 'corr-1' });
    await harness.idle();
    const spans = exporter
      .getFinishedSpans()
      .filter((span) => span.instrumentationScope.name === MESSAGING_TRACER);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.name).toBe('process Traced');
    expect(spans[0]!.attributes).toMatchObject({
      'messaging.system': 'local',
      'messaging.destination.name': 'domain-events',
      'messaging.message.conversation_id': 'corr-1',
      'messaging.handler': 'TracedHandler.traced',
      'tenant.id': 'tenant-42',
    });
    expect(spans[0]!.status.code).toBe(SpanStatusCode.OK);
  });

  it('records the exception and an error status on a failed attempt', async () => {
    harness = await startMessagingApp([TracedHandler], { defaultFailureAction: FailureActions.deadLetter() });
    await harness.bus.publish(new Traced('t', true));
    await harness.waitFor((records) => records.some((r) => r.kind === 'dead-lettered'));
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'traced failure' });
    expect(span!.events.some((event) => event.name === 'exception')).toBe(true);
  });

  it("continues the producer's trace across a transport", async () => {
    harness = await startMessagingApp([TracedHandler]);
    const tracer = trace.getTracer('test');
    const parentTraceId = await tracer.startActiveSpan('http request', async (span) => {
      await harness!.bus.publish(new TracedRemote('t-9'));
      span.end();
      return span.spanContext().traceId;
    });
    await harness.waitFor(() =>
      exporter.getFinishedSpans().some((span) => span.name === 'process app_domain.test.traced-remote'),
    );
    const consumer = exporter
      .getFinishedSpans()
      .find((span) => span.name === 'process app_domain.test.traced-remote')!;
    expect(consumer.spanContext().traceId).toBe(parentTraceId);
    expect(consumer.attributes['messaging.system']).toBe('in-memory');
  });
});
