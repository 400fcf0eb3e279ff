import type { INestApplicationContext, ModuleMetadata, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  InMemoryBroker,
  InMemoryTransport,
  MessageBus,
  MessagingModule,
  type MessagingModuleOptions,
} from '@momentum/messaging';
import {
  DeadLetters,
  Outbox,
  OutboxMessagingBridge,
  OutboxModule,
  OutboxRuntime,
  type OutboxModuleOptions,
} from '@momentum/outbox';
import { MessageStore } from '../../src/schema/message-store.js';

/** A started application with the bus on an in-memory broker and the outbox module. */
export interface OutboxTestApp {
  readonly app: INestApplicationContext;
  readonly bus: MessageBus;
  readonly outbox: Outbox;
  readonly deadLetters: DeadLetters;
  readonly runtime: OutboxRuntime;
  readonly store: MessageStore;
  readonly broker: InMemoryBroker;
  close(): Promise<void>;
}

/** What {@link startOutboxApp} builds. */
export interface OutboxTestAppOptions {
  readonly outbox: OutboxModuleOptions;
  readonly messaging?: Partial<MessagingModuleOptions>;
  readonly providers?: Provider[];
  /** More modules for the application (e.g. nestjs-cls). */
  readonly imports?: ModuleMetadata['imports'];
  /** Share one broker between apps (two services, two nodes); a fresh one by default. */
  readonly broker?: InMemoryBroker;
  readonly serviceName?: string;
}

/** Starts an app wired the documented way: `MessagingModule.forRootAsync` fed by `OutboxMessagingBridge`. */
export async function startOutboxApp(options: OutboxTestAppOptions): Promise<OutboxTestApp> {
  const broker = options.broker ?? new InMemoryBroker({ retryInitialDelayMs: 20, retryMaxDelayMs: 200 });
  const moduleRef = await Test.createTestingModule({
    imports: [
      MessagingModule.forRootAsync({
        imports: [OutboxModule.forRoot(options.outbox)],
        inject: [OutboxMessagingBridge],
        useFactory: (outbox: OutboxMessagingBridge) =>
          outbox.messagingOptions({
            serviceName: options.serviceName ?? 'outbox-test',
            transports: [new InMemoryTransport({ broker })],
            defaultFailureAction: {
              kind: 'retry',
              attempts: 2,
              initialDelayMs: 1,
              factor: 2,
              maxDelayMs: 5,
              jitter: 0,
            },
            ...options.messaging,
          }),
      }),
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
  }).compile();
  if (!process.env.OUTBOX_TEST_LOGS) moduleRef.useLogger(false);
  const app = await moduleRef.init();
  return {
    app,
    bus: app.get(MessageBus),
    outbox: app.get(Outbox),
    deadLetters: app.get(DeadLetters),
    runtime: app.get(OutboxRuntime),
    store: app.get(MessageStore),
    broker,
    close: () => app.close(),
  };
}
