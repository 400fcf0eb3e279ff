import type { INestApplicationContext } from '@nestjs/common';
import type { TestingModuleBuilder } from '@nestjs/testing';
import { TRANSPORT_DECORATOR, type MessageTransport } from '@momentum/messaging';
import { StubTransport } from './stub-transport.js';

type TransportDecorator = (transport: MessageTransport) => MessageTransport;

/** The stubs each stubbing decorator made, by transport name. Keyed weakly: one entry per app. */
const stubsByDecorator = new WeakMap<TransportDecorator, Map<string, StubTransport>>();

/** A fresh decorator with its own registry of stubs. */
function createStubbingDecorator(): TransportDecorator {
  const stubs = new Map<string, StubTransport>();
  const decorate: TransportDecorator = (transport) => {
    if (!transport.external) return transport;
    const stub = new StubTransport(transport.name, transport);
    stubs.set(transport.name, stub);
    return stub;
  };
  stubsByDecorator.set(decorate, stubs);
  return decorate;
}

/**
 * Makes the app under test replace every external transport (`external === true`, e.g. Kafka) with
 * a {@link StubTransport} of the same name, so it runs without brokers: what it publishes there is
 * recorded, nothing is ever delivered from there. Non-external transports (in-memory) stay as they
 * are. Works by overriding the `TRANSPORT_DECORATOR` provider; each module compiled from `builder`
 * gets its own stubs.
 *
 * ```ts
 * const moduleRef = await stubExternalTransports(Test.createTestingModule({ imports: [AppModule] })).compile();
 * const app = await moduleRef.createNestApplication().init();
 * await trackActivity(app).publish(new OrderPlaced('o-1'));
 * expect(stubbedTransport(app, 'kafka').published).toHaveLength(1);
 * ```
 */
export function stubExternalTransports(builder: TestingModuleBuilder): TestingModuleBuilder {
  return builder.overrideProvider(TRANSPORT_DECORATOR).useFactory({ factory: createStubbingDecorator });
}

/**
 * The {@link StubTransport} that replaced the external transport `name` in `app`. Throws when the
 * app was not built with {@link stubExternalTransports}, or when it has no external transport of
 * that name.
 */
export function stubbedTransport(app: INestApplicationContext, name: string): StubTransport {
  let decorate: TransportDecorator | undefined;
  try {
    decorate = app.get<TransportDecorator>(TRANSPORT_DECORATOR, { strict: false });
  } catch (error) {
    throw new Error('stubbedTransport: the app has no MessagingModule', { cause: error });
  }
  const stubs = stubsByDecorator.get(decorate);
  if (!stubs) throw new Error('stubbedTransport: the app was not built with stubExternalTransports(...)');
  const stub = stubs.get(name);
  if (!stub) {
    const known = [...stubs.keys()].map((key) => `'${key}'`).join(', ') || 'none';
    throw new Error(
      `stubbedTransport: no external transport named '${name}' was stubbed (stubbed: ${known})`,
    );
  }
  return stub;
}
