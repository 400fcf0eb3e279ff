import { Inject, Injectable } from '@nestjs/common';
import type { MessagingModuleOptions } from '@momentum/messaging';
import { AuditedTopicAccessPolicy } from '../access/audited-topic-access-policy.js';
import { ConfiguredTopicAccessPolicy } from '../access/configured-topic-access-policy.js';
import { AuditRecorder } from '../audit/audit-recorder.js';
import { TenantContext } from '../context/tenant-context.js';
import { RESOLVED_TENANCY_OPTIONS } from '../module/tenancy-tokens.js';
import type { ResolvedTenancyOptions } from '../module/resolved-options.js';
import { TenantMessageMiddleware } from './tenant-message.middleware.js';

/** The `MessagingModule` options tenancy contributes; see {@link TenancyMessaging.messagingOptions}. */
export type TenancyMessagingOptions = Required<Pick<MessagingModuleOptions, 'ambientTenant' | 'middleware'>> &
  Pick<MessagingModuleOptions, 'topicAccess'>;

/**
 * Plugs tenancy into the bus without the tenancy module calling `MessagingModule.forRoot` itself:
 *
 * ```ts
 * imports: [
 *   TenancyModule.forRoot({ topicAccess: { publish: ['app_domain.orders.*'] } }),
 *   MessagingModule.forRootAsync({
 *     inject: [TenancyMessaging],
 *     useFactory: (tenancy: TenancyMessaging) => ({ serviceName: 'orders', ...tenancy.messagingOptions() }),
 *   }),
 * ]
 * ```
 *
 * Import `TenancyModule` before `MessagingModule`, so at shutdown the bus drains before the audit
 * trail is flushed. To add middleware of your own, list it after tenancy's:
 * `middleware: [...tenancy.messagingOptions().middleware, MyMiddleware]`.
 */
@Injectable()
export class TenancyMessaging {
  private readonly middleware: TenantMessageMiddleware;
  private readonly topicAccess?: AuditedTopicAccessPolicy;

  constructor(
    private readonly tenants: TenantContext,
    @Inject(RESOLVED_TENANCY_OPTIONS) options: ResolvedTenancyOptions,
    recorder: AuditRecorder,
  ) {
    this.middleware = new TenantMessageMiddleware(tenants, options.tenantIdRule);
    if (options.topicAccess)
      this.topicAccess = new AuditedTopicAccessPolicy(
        new ConfiguredTopicAccessPolicy(options.topicAccess),
        recorder,
      );
  }

  /**
   * `ambientTenant` (the {@link TenantContext}: messages published during a request carry its
   * tenant), `middleware` (handlers run in their message's tenant context) and, when configured,
   * `topicAccess` (the configured topic rules, denials audited).
   */
  messagingOptions(): TenancyMessagingOptions {
    return {
      ambientTenant: this.tenants,
      middleware: [this.middleware],
      ...(this.topicAccess ? { topicAccess: this.topicAccess } : {}),
    };
  }
}
