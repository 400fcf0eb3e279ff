import { EventEmitter } from 'node:events';
import { Injectable, Module, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule, EventBus, EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import {
  DomainEvent,
  EventHandler,
  InMemoryBroker,
  InMemoryTransport,
  MessageBus,
  MessagingModule,
} from '@momentum/messaging';
import { compare, perSecond, type Variant } from './support/measure.js';
import { ratio, type Benchmark, type BenchResult } from './support/report.js';

const PUBLISHES = 20_000;
const ROUNDS = 5;
const HANDLER_COUNTS = [1, 10, 100] as const;

/** Counts handled events of the measured type. */
const handled = { count: 0 };

/** `count` distinct event classes; the first is the one published, the others have handlers that never fire. */
function eventClasses(count: number): Type[] {
  return Array.from({ length: count }, (_, index) => {
    const cls = class {
      constructor(readonly n: number) {}
    };
    Object.defineProperty(cls, 'name', { value: `BenchEvent${index}` });
    DomainEvent({ type: `bench.event-${index}` })(cls);
    return cls;
  });
}

/** A provider class with one `@EventHandler()` for `event`. */
function busHandlerFor(event: Type, index: number): Type {
  const cls = class {
    handle(): void {
      handled.count++;
    }
  };
  Object.defineProperty(cls, 'name', { value: `BusHandler${index}` });
  Reflect.defineMetadata('design:paramtypes', [event], cls.prototype, 'handle');
  EventHandler()(cls.prototype, 'handle', Object.getOwnPropertyDescriptor(cls.prototype, 'handle')!);
  Injectable()(cls);
  return cls;
}

/** A `@nestjs/cqrs` `@EventsHandler` class for `event`. */
function cqrsHandlerFor(event: Type, index: number): Type {
  const cls = class implements IEventHandler {
    handle(): void {
      handled.count++;
    }
  };
  Object.defineProperty(cls, 'name', { value: `CqrsHandler${index}` });
  EventsHandler(event)(cls);
  return cls;
}

async function context(module: Type): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(module, { logger: false });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** Publishes PUBLISHES events and waits until every one was handled; returns publishes per second. */
async function measure(publish: (n: number) => unknown): Promise<number> {
  handled.count = 0;
  const started = performance.now();
  for (let n = 0; n < PUBLISHES; n++) await publish(n);
  await until(() => handled.count >= PUBLISHES);
  return perSecond(PUBLISHES, performance.now() - started);
}

async function emitterVariant(handlers: number): Promise<Variant> {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  for (let i = 0; i < handlers; i++) emitter.on(`bench.event-${i}`, () => handled.count++);
  return {
    name: `EventEmitter, ${handlers} handler(s)`,
    round: () => measure((n) => emitter.emit('bench.event-0', { n })),
  };
}

async function cqrsVariant(handlers: number, apps: INestApplicationContext[]): Promise<Variant> {
  const events = eventClasses(handlers);
  @Module({ imports: [CqrsModule.forRoot()], providers: events.map(cqrsHandlerFor) })
  class CqrsBenchModule {}
  const app = await context(CqrsBenchModule);
  apps.push(app);
  const bus = app.get(EventBus);
  const First = events[0]!;
  return {
    name: `@nestjs/cqrs EventBus, ${handlers} handler(s)`,
    round: () => measure((n) => bus.publish(new First(n))),
  };
}

async function busVariant(
  handlers: number,
  mode: 'inline' | 'buffered',
  apps: INestApplicationContext[],
): Promise<Variant> {
  const events = eventClasses(handlers);
  @Module({
    imports: [
      MessagingModule.forRoot({
        serviceName: 'bench',
        transports: [new InMemoryTransport({ broker: new InMemoryBroker() })],
        queues: { 'domain-events': { mode, parallelism: 8 } },
      }),
    ],
    providers: events.map(busHandlerFor),
  })
  class BusBenchModule {}
  const app = await context(BusBenchModule);
  apps.push(app);
  const bus = app.get(MessageBus);
  const First = events[0]!;
  return {
    name: `momentum bus (${mode}), ${handlers} handler(s)`,
    round: () => measure((n) => bus.publish(new First(n))),
  };
}

/** Benchmark 5 of the suite: in-process dispatch cost as the number of unrelated handlers grows. */
export const dispatchBenchmark: Benchmark = {
  name: 'dispatch',
  description: `EventEmitter vs @nestjs/cqrs vs our bus, ${PUBLISHES} publishes per round, 1/10/100 handlers of unrelated types`,
  async run(): Promise<BenchResult> {
    const apps: INestApplicationContext[] = [];
    try {
      const variants: Variant[] = [];
      for (const count of HANDLER_COUNTS) {
        variants.push(await emitterVariant(count), await cqrsVariant(count, apps));
        variants.push(await busVariant(count, 'inline', apps), await busVariant(count, 'buffered', apps));
      }
      const results = await compare(variants, ROUNDS);
      const rate = (name: string) => results[name]!.median;
      const costRatio = (mode: string) =>
        rate(`momentum bus (${mode}), 1 handler(s)`) / rate(`momentum bus (${mode}), 100 handler(s)`);
      return {
        name: 'dispatch',
        unit: 'publishes/s',
        variants: results,
        ratios: [
          ratio('our cost per publish, 100 unrelated handlers / 1 (inline)', costRatio('inline'), '≤ 1.1'),
          ratio(
            'our cost per publish, 100 unrelated handlers / 1 (buffered)',
            costRatio('buffered'),
            '≤ 1.1',
          ),
          ratio(
            'ours (inline) / @nestjs/cqrs, 1 handler (throughput)',
            rate('momentum bus (inline), 1 handler(s)') / rate('@nestjs/cqrs EventBus, 1 handler(s)'),
            '≥ 0',
          ),
          ratio(
            'ours (inline) / EventEmitter, 1 handler (throughput)',
            rate('momentum bus (inline), 1 handler(s)') / rate('EventEmitter, 1 handler(s)'),
            '≥ 0',
          ),
        ],
        notes: [
          'Each publish is awaited and counted as done when its handler ran; our bus runs the full pipeline (telemetry no-op without an SDK, validation, logging).',
        ],
      };
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  },
};
