import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditRecorder } from '../audit/audit-recorder.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { TenantContext } from '../context/tenant-context.js';
import { TenantDeadLetters } from '../dead-letters/tenant-dead-letters.js';
import { TenantHttpMiddleware } from '../http/tenant-http.middleware.js';
import { TenantResolutionService } from '../http/tenant-resolution.js';
import { TenantScopeGuard } from '../http/tenant-scope.guard.js';
import { TenantLogger } from '../logging/tenant-logger.js';
import { TenancyMessaging } from '../messaging/tenancy-messaging.js';
import { resolveTenancyOptions } from './resolved-options.js';
import { TenancyConfigurableModule, TENANCY_MODULE_OPTIONS } from './tenancy-module-definition.js';
import { RESOLVED_TENANCY_OPTIONS } from './tenancy-tokens.js';

/**
 * Multi-tenancy for a Nest service: `TenancyModule.forRoot({ ... })` or `forRootAsync({ useFactory,
 * inject })`, global by default. Invalid options fail at startup with a `TenancyConfigurationError`
 * naming the option.
 *
 * HTTP: every request's tenant is resolved (header `x-tenant-id` by default) and the whole request
 * runs in its `TenantContext`. Every route is tenant-scoped unless marked `@TenantAgnostic()`: a
 * scoped route without a valid tenant answers 400 with the reason.
 *
 * Messaging: wire `TenancyMessaging.messagingOptions()` into `MessagingModule.forRootAsync`.
 */
@Module({
  providers: [
    {
      provide: RESOLVED_TENANCY_OPTIONS,
      inject: [TENANCY_MODULE_OPTIONS],
      useFactory: resolveTenancyOptions,
    },
    TenantContext,
    TenantResolutionService,
    TenantHttpMiddleware,
    { provide: APP_GUARD, useClass: TenantScopeGuard },
    AuditRecorder,
    AuditTrail,
    TenancyMessaging,
    TenantDeadLetters,
    {
      provide: TenantLogger,
      inject: [TenantContext],
      useFactory: (tenants: TenantContext) => new TenantLogger(tenants),
    },
  ],
  exports: [TenantContext, TenancyMessaging, AuditTrail, TenantDeadLetters, TenantLogger],
})
export class TenancyModule extends TenancyConfigurableModule implements NestModule {
  /** Runs the tenant middleware for every route. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(TenantHttpMiddleware).forRoutes('*');
  }
}
