import type { INestApplication, Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FailureActions, MessagingModule, type MessageTransport } from '@momentum/messaging';
import { OutboxMessagingBridge, OutboxModule } from '@momentum/outbox';
import { TenancyMessaging, TenancyModule, type TenancyModuleOptions } from '@momentum/tenancy';

/** What {@link startTenantService} builds. */
export interface TenantServiceSpec {
  readonly serviceName: string;
  /** PostgreSQL URL of the service's message store. */
  readonly url: string;
  /** The service's own store schema, created at startup. */
  readonly schema: string;
  readonly consumerGroup: string;
  readonly transport: MessageTransport;
  readonly providers?: Provider[];
  readonly controllers?: Type[];
  readonly tenancy?: TenancyModuleOptions;
}

/** A started service listening for HTTP. */
export interface TenantService {
  readonly app: INestApplication;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a service wired the way the sample services are: `TenancyModule`, and the bus on the
 * outbox (durable inbox, PostgreSQL dead letters, durable `domain-events` queue) with tenancy's
 * ambient tenant and handler middleware, listening for HTTP on a free port.
 */
export async function startTenantService(spec: TenantServiceSpec): Promise<TenantService> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TenancyModule.forRoot(spec.tenancy ?? {}),
      MessagingModule.forRootAsync({
        imports: [
          OutboxModule.forRoot({
            url: spec.url,
            schema: spec.schema,
            autoCreate: true,
            nodes: { mode: 'solo' },
          }),
        ],
        inject: [OutboxMessagingBridge, TenancyMessaging],
        useFactory: (outbox: OutboxMessagingBridge, tenancy: TenancyMessaging) =>
          outbox.messagingOptions({
            serviceName: spec.serviceName,
            consumerGroup: spec.consumerGroup,
            transports: [spec.transport],
            queues: { 'domain-events': { mode: 'durable' } },
            defaultFailureAction: FailureActions.retry({ attempts: 2, initialDelayMs: 1 }),
            ...tenancy.messagingOptions(),
          }),
      }),
    ],
    controllers: spec.controllers ?? [],
    providers: spec.providers ?? [],
  }).compile();
  if (!process.env.TENANCY_TEST_LOGS) moduleRef.useLogger(false);
  const app = moduleRef.createNestApplication();
  await app.listen(0, '127.0.0.1');
  return {
    app,
    url: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
    close: () => app.close(),
  };
}
