import type { ErrorPolicy } from '@momentum/messaging';
import type { TopicAccessRules } from '@momentum/tenancy';
import type { ServiceConfig } from '../config/service-config.js';
import type { ServiceSchema } from '../database/service-data-source.js';

/** What {@link ServicePlatformModule.forService} wires for one sample service. */
export interface ServicePlatformOptions {
  /** Name of the service: CloudEvents source, consumer group prefix, Kafka client id. */
  readonly serviceName: string;
  readonly config: ServiceConfig;
  /** The service's tables, migrations and schema (the message store lives in the same schema). */
  readonly schema: ServiceSchema;
  /** Topics the service may publish to and consume from. */
  readonly topicAccess: TopicAccessRules;
  /** How failed handlers are retried or dead-lettered; checked in order. */
  readonly errorPolicies?: readonly ErrorPolicy[];
}

/** Injection token of the {@link ServicePlatformOptions}. */
export const SERVICE_PLATFORM_OPTIONS = Symbol.for('momentum-sample:service-platform-options');
