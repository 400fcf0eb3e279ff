import { describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DomainEvent,
  EventHandler,
  HandlerDeclarationError,
  InMemoryBroker,
  InMemoryTransport,
  MessagingConfigurationError,
  MessagingModule,
  type MessagingModuleOptions,
} from '@momentum/messaging';

@DomainEvent()
class Ping {}

@Injectable()
class NotRegistered {}

@Injectable()
class NoParameter {
  @EventHandler()
  handle(): void {}
}

@Injectable()
class PrimitiveMessage {
  @EventHandler()
  handle(_text: string): void {}
}

@Injectable()
class UnresolvableDependency {
  @EventHandler()
  handle(_ping: Ping, _missing: NotRegistered): void {}
}

@Injectable()
class PrimitiveDependency {
  @EventHandler()
  handle(_ping: Ping, _count: number): void {}
}

@DomainEvent({ type: 'shared-name' })
class First {}
@DomainEvent({ type: 'shared-name' })
class Second {}

@Injectable()
class ClashingTypes {
  @EventHandler()
  first(_event: First): void {}
  @EventHandler()
  second(_event: Second): void {}
}

async function boot(
  providers: unknown[],
  options: Partial<MessagingModuleOptions> = { serviceName: 'svc' },
): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      MessagingModule.forRoot({
        serviceName: 'svc',
        transports: [new InMemoryTransport({ broker: new InMemoryBroker() })],
        ...options,
      } as MessagingModuleOptions),
    ],
    providers: providers as never[],
  }).compile();
  const app = await moduleRef.init();
  await app.close();
}

describe('handler discovery', () => {
  it('fails at startup naming class and method when a handler has no message parameter', async () => {
    await expect(boot([NoParameter])).rejects.toThrow(
      new HandlerDeclarationError(
        'NoParameter.handle: the first parameter of an @EventHandler() method must be typed with a message class (found no parameter)',
      ),
    );
  });

  it('fails at startup when the message parameter is not a class', async () => {
    await expect(boot([PrimitiveMessage])).rejects.toThrow(/PrimitiveMessage\.handle: .*found String/);
  });

  it('fails at startup when a further parameter cannot be supplied from the container', async () => {
    await expect(boot([UnresolvableDependency])).rejects.toThrow(
      /UnresolvableDependency\.handle: parameter 2 \(NotRegistered\) cannot be supplied; no provider/,
    );
    await expect(boot([PrimitiveDependency])).rejects.toThrow(
      /PrimitiveDependency\.handle: parameter 2 \(Number\)/,
    );
  });

  it('fails at startup when two classes share a message type name', async () => {
    await expect(boot([ClashingTypes])).rejects.toThrow(
      /ClashingTypes\.second and ClashingTypes\.first .*'shared-name'/,
    );
  });

  it('finds handlers in feature modules and injects their providers', async () => {
    @Injectable()
    class Counter {
      count = 0;
    }
    @Injectable()
    class FeatureHandler {
      @EventHandler()
      handle(_ping: Ping, counter: Counter): void {
        counter.count++;
      }
    }
    @Module({ providers: [Counter, FeatureHandler] })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({ serviceName: 'svc', queues: { 'domain-events': { mode: 'inline' } } }),
        FeatureModule,
      ],
    }).compile();
    const app = await moduleRef.init();
    const { MessageBus } = await import('@momentum/messaging');
    await app.get(MessageBus).publish(new Ping());
    expect(app.get(Counter).count).toBe(1);
    await app.close();
  });
});

describe('options validation', () => {
  const cases: [string, Partial<MessagingModuleOptions>, RegExp][] = [
    ['missing service name', { serviceName: undefined }, /option 'serviceName' must be a non-empty string/],
    ['bad service name', { serviceName: 'has space' }, /option 'serviceName'/],
    [
      'queue parallelism',
      { queues: { work: { parallelism: 0 } } },
      /option 'queues\.work\.parallelism' must be a positive integer/,
    ],
    [
      'queue mode',
      { queues: { work: { mode: 'fast' as never } } },
      /option 'queues\.work\.mode' must be 'inline', 'buffered' or 'durable'/,
    ],
    [
      'durable without store',
      { queues: { work: { mode: 'durable' } } },
      /option 'queues\.work\.mode' is 'durable' but no durableQueueStore/,
    ],
    ['unknown default transport', { defaultTransport: 'kafka' }, /option 'defaultTransport' names 'kafka'/],
    [
      'route to unknown transport',
      { routes: [{ messages: [Ping], transport: 'kafka' }] },
      /option 'routes\[0\]\.transport' names 'kafka'/,
    ],
    [
      'retry attempts',
      {
        errorPolicies: [
          { action: { kind: 'retry', attempts: 0, initialDelayMs: 1, factor: 2, maxDelayMs: 1, jitter: 0 } },
        ],
      },
      /option 'errorPolicies\[0\]\.action\.attempts'/,
    ],
    [
      'unknown action',
      { defaultFailureAction: { kind: 'explode' } as never },
      /option 'defaultFailureAction' must be a FailureAction/,
    ],
    [
      'jitter',
      {
        errorPolicies: [
          { action: { kind: 'retry', attempts: 2, initialDelayMs: 1, factor: 2, maxDelayMs: 1, jitter: 3 } },
        ],
      },
      /jitter' must be between 0 and 1/,
    ],
    [
      'shutdown timeout',
      { shutdownTimeoutMs: -5 },
      /option 'shutdownTimeoutMs' must be a non-negative number/,
    ],
  ];

  it.each(cases)('rejects %s at startup, naming the option', async (_label, options, message) => {
    const error = await boot([], options).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(MessagingConfigurationError);
    expect((error as Error).message).toMatch(message);
  });

  it('validates forRootAsync options at startup too', async () => {
    const moduleRef = Test.createTestingModule({
      imports: [MessagingModule.forRootAsync({ useFactory: () => ({ serviceName: '' }) })],
    });
    await expect(moduleRef.compile()).rejects.toThrow(/option 'serviceName'/);
  });
});
