import { Test } from '@nestjs/testing';
import type { INestApplicationContext, ModuleMetadata, Provider } from '@nestjs/common';
import {
  ActivityTracker,
  InMemoryBroker,
  InMemoryTransport,
  MessageBus,
  MessagingModule,
  type ActivityRecord,
  type MessagingModuleOptions,
} from '@momentum/messaging';

/** A started Nest application context with the bus, plus every activity record it produced. */
export interface MessagingTestApp {
  readonly app: INestApplicationContext;
  readonly bus: MessageBus;
  readonly records: ActivityRecord[];
  /** Resolves once `predicate` holds over the records (polling), or rejects after `timeoutMs`. */
  waitFor(predicate: (records: ActivityRecord[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves once nothing is in flight. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts an app with the bus on a private in-memory broker and the given handler providers. */
export async function startMessagingApp(
  providers: Provider[],
  options: Partial<MessagingModuleOptions> = {},
  imports: ModuleMetadata['imports'] = [],
): Promise<MessagingTestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      MessagingModule.forRoot({
        serviceName: 'test-service',
        transports: [new InMemoryTransport({ broker: new InMemoryBroker() })],
        defaultFailureAction: {
          kind: 'retry',
          attempts: 3,
          initialDelayMs: 1,
          factor: 2,
          maxDelayMs: 5,
          jitter: 0,
        },
        ...options,
      }),
      ...imports,
    ],
    providers,
  }).compile();
  const app = await moduleRef.init();
  const records: ActivityRecord[] = [];
  const tracker = app.get(ActivityTracker);
  tracker.subscribe((record) => records.push(record));
  const waitFor = async (
    predicate: (records: ActivityRecord[]) => boolean,
    timeoutMs = 3_000,
  ): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(records)) {
      if (Date.now() > deadline) {
        throw new Error(
          `condition not met in ${timeoutMs} ms; records: ${records.map((r) => `${r.kind}:${r.envelope.type}`).join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  return {
    app,
    bus: app.get(MessageBus),
    records,
    waitFor,
    idle: (timeoutMs) => waitFor(() => tracker.inFlight().length === 0, timeoutMs),
    close: () => app.close(),
  };
}

/** A promise with its resolver, to hold a handler until the test releases it. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
