import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { FailureActions, MessagingModule } from '@momentum/messaging';
import { OutboxMessagingBridge, OutboxModule } from '@momentum/outbox';
import {
  type AuditSink,
  InMemoryAuditSink,
  PostgresAuditSink,
  TenancyMessaging,
  TenancyModule,
} from '@momentum/tenancy';
import { AuditController } from '../admin/audit.controller.js';
import { DeadLettersController } from '../admin/dead-letters.controller.js';
import type { ServiceConfig } from '../config/service-config.js';
import { SERVICE_DATA_SOURCE, ServiceDatabaseModule } from '../database/service-database.module.js';
import { BrokerIndicator } from '../health/broker.indicator.js';
import { DatabaseIndicator } from '../health/database.indicator.js';
import { HealthController } from '../health/health.controller.js';
import { OutboxBacklogIndicator } from '../health/outbox-backlog.indicator.js';
import { HttpTracingMiddleware } from '../telemetry/http-tracing.middleware.js';
import { createMessageTransport } from './message-transport.factory.js';
import { SERVICE_PLATFORM_OPTIONS, type ServicePlatformOptions } from './service-platform-options.js';

/**
 * Everything a sample service shares: tenancy (header `x-tenant-id`, topic access), the outbox on the
 * service's database, the bus on Kafka or the in-memory broker with durable domain-event queues,
 * `GET /health`, the dead-letter admin endpoints and a server span per HTTP request. Each service
 * imports it once with its own options, then adds its feature module.
 */
@Module({})
export class ServicePlatformModule implements NestModule {
  static forService(options: ServicePlatformOptions): DynamicModule {
    const { serviceName, config } = options;
    return {
      module: ServicePlatformModule,
      imports: [
        TenancyModule.forRoot({ topicAccess: options.topicAccess, audit: { sink: auditSinkOf(config) } }),
        MessagingModule.forRootAsync({
          imports: [
            OutboxModule.forRootAsync({
              imports: [ServiceDatabaseModule.forService(config.database, options.schema)],
              inject: [SERVICE_DATA_SOURCE],
              useFactory: (dataSource: DataSource) => ({
                dataSource,
                schema: options.schema.schema,
                autoCreate: false,
              }),
            }),
          ],
          inject: [OutboxMessagingBridge, TenancyMessaging],
          useFactory: (outbox: OutboxMessagingBridge, tenancy: TenancyMessaging) =>
            outbox.messagingOptions({
              serviceName,
              environment: config.environment,
              transports: [createMessageTransport(options)],
              queues: { 'domain-events': { mode: 'durable' } },
              defaultFailureAction: FailureActions.retry({ attempts: 3, initialDelayMs: 200 }),
              errorPolicies: options.errorPolicies ?? [],
              ...tenancy.messagingOptions(),
            }),
        }),
        TerminusModule,
      ],
      controllers: [HealthController, DeadLettersController, AuditController],
      providers: [
        { provide: SERVICE_PLATFORM_OPTIONS, useValue: options },
        DatabaseIndicator,
        BrokerIndicator,
        OutboxBacklogIndicator,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpTracingMiddleware).forRoutes('*path');
  }
}

/** The embedded audit trail, shared by the services of one process like the in-memory broker. */
const EMBEDDED_AUDIT = new InMemoryAuditSink();

/** One audit trail for every service (a flow is followed across them): a table on the server, else in memory. */
function auditSinkOf(config: ServiceConfig): AuditSink {
  return config.database.kind === 'postgres'
    ? new PostgresAuditSink({ connectionString: config.database.url, schema: config.auditSchema })
    : EMBEDDED_AUDIT;
}
