import { Test } from '@nestjs/testing';
import type { INestApplication, ModuleMetadata, Type } from '@nestjs/common';
import {
  ActivityTracker,
  InMemoryBroker,
  InMemoryTransport,
  MessageBus,
  MessagingModule,
  type ActivityRecord,
  type MessagingModuleOptions,
} from '@momentum/messaging';
import { TenancyMessaging, TenancyModule, type TenancyModuleOptions } from '@momentum/tenancy';

/** What {@link startTenancyApp} builds. */
export interface TenancyAppSpec {
  readonly tenancy?: TenancyModuleOptions;
  readonly messaging?: Partial<MessagingModuleOptions>;
  readonly providers?: ModuleMetadata['providers'];
  readonly controllers?: Type[];
  /** Listen for HTTP on a free port. */
  readonly http?: boolean;
}

/** A started app with tenancy wired into the bus the way an application does it. */
export interface TenancyTestApp {
  readonly app: INestApplication;
  readonly bus: MessageBus;
  readonly broker: InMemoryBroker;
  /** Every activity record of the bus, in order. */
  readonly records: ActivityRecord[];
  /** Base URL, e.g. `http://127.0.0.1:41234`, when listening. */
  readonly url: string;
  get<T>(type: Type<T>): T;
  /** Resolves once `predicate` holds over the records (polling), or rejects after `timeoutMs`. */
  waitFor(predicate: (records: ActivityRecord[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Fast retries, so failure tests do not wait for the default backoff. */
export const FAST_RETRY = {
  kind: 'retry',
  attempts: 3,
  initialDelayMs: 1,
  factor: 2,
  maxDelayMs: 5,
  jitter: 0,
} as const;

/**
 * Starts an app importing `TenancyModule.forRoot(spec.tenancy)` and `MessagingModule.forRootAsync`
 * fed by `TenancyMessaging`, on a private in-memory broker.
 */
export async function startTenancyApp(spec: TenancyAppSpec = {}): Promise<TenancyTestApp> {
  const broker = new InMemoryBroker();
  const moduleRef = await Test.createTestingModule({
    imports: [
      TenancyModule.forRoot(spec.tenancy ?? {}),
      MessagingModule.forRootAsync({
        inject: [TenancyMessaging],
        useFactory: (tenancy: TenancyMessaging) => ({
          serviceName: 'tenancy-test',
          transports: [new InMemoryTransport({ broker })],
          defaultFailureAction: FAST_RETRY,
          ...tenancy.messagingOptions(),
          ...spec.messaging,
        }),
      }),
    ],
    controllers: spec.controllers ?? [],
    providers: spec.providers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication();
  if (spec.http) await app.listen(0, '127.0.0.1');
  else await app.init();
  const records: ActivityRecord[] = [];
  app.get(ActivityTracker).subscribe((record) => records.push(record));
  const url = spec.http ? (await app.getUrl()).replace('[::1]', '127.0.0.1') : '';
  return {
    app,
    bus: app.get(MessageBus),
    broker,
    records,
    url,
    get: (type) => app.get(type),
    waitFor: (predicate, timeoutMs = 3_000) => waitUntil(() => predicate(records), timeoutMs, records),
    close: () => app.close(),
  };
}

async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  records: ActivityRecord[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      const seen = records
        .map((r) => `${r.kind}:${r.envelope.type}@${r.envelope.tenantId ?? '-'}`)
        .join(', ');
      throw new Error(`condition not met in ${timeoutMs} ms; records: ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Two well-formed tenant ids, for readability. */
export const TENANT_A = '11111111-1111-4111-8111-111111111111';
export const TENANT_B = '22222222-2222-4222-8222-222222222222';
