import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ActivityTracker, type Envelope, type TopicAccessDeniedError } from '@momentum/messaging';
import { TenancyConfigurationError } from '../module/tenancy-configuration.error.js';
import { RESOLVED_TENANCY_OPTIONS } from '../module/tenancy-tokens.js';
import type { ResolvedTenancyOptions } from '../module/resolved-options.js';
import { AuditBatcher } from './audit-batcher.js';
import { auditEntryOf } from './audit-entry-of-activity.js';
import type { ResolvedAuditOptions } from './audit-options.js';

/**
 * Feeds the audit trail: subscribes to the bus's `ActivityTracker` at startup (the bus is found in
 * the application, so tenancy never imports `MessagingModule` itself), turns records into entries
 * and hands them to a batching writer. Does nothing when the `audit` option is not set.
 */
@Injectable()
export class AuditRecorder implements OnModuleInit, OnApplicationShutdown {
  private batcher?: AuditBatcher;
  private unsubscribe?: () => void;

  constructor(
    @Inject(RESOLVED_TENANCY_OPTIONS) private readonly options: ResolvedTenancyOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onModuleInit(): Promise<void> {
    const audit = this.options.audit;
    if (!audit) return;
    const tracker = this.activityTracker();
    await audit.sink.init?.();
    const batcher = new AuditBatcher(audit);
    this.batcher = batcher;
    this.unsubscribe = tracker.subscribe((record) => {
      const entry = auditEntryOf(record);
      if (entry) batcher.add(entry);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.batcher) return;
    await this.batcher.close();
    this.unsubscribe?.();
    await this.options.audit?.sink.close?.();
  }

  /** Audits a publish of `envelope` that the topic access policy refused. */
  recordPublishDenial(error: TopicAccessDeniedError, envelope: Envelope): void {
    this.batcher?.add({
      kind: 'publish',
      result: 'denied',
      tenantId: error.tenantId,
      messageId: envelope.id,
      messageType: envelope.type,
      topic: error.topic,
      correlationId: envelope.correlationId,
      causationId: envelope.causationId,
      reason: error.message,
      at: new Date(),
    });
  }

  /** Resolves once every entry recorded so far is written; at once when auditing is off. */
  async flush(): Promise<void> {
    await this.batcher?.flush();
  }

  /** The audit options; throws when auditing is off. */
  auditOptions(): ResolvedAuditOptions {
    if (!this.options.audit)
      throw new TenancyConfigurationError('audit', 'is not set, so there is no audit trail to query');
    return this.options.audit;
  }

  private activityTracker(): ActivityTracker {
    try {
      return this.moduleRef.get(ActivityTracker, { strict: false });
    } catch (error) {
      throw new TenancyConfigurationError(
        'audit',
        'needs the message bus: import MessagingModule (global) in the application to audit its messages',
        { cause: error },
      );
    }
  }
}
