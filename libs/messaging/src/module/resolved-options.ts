import type { Type } from '@nestjs/common';
import type { AmbientTenant } from '../bus/tenant-context.js';
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js';
import { InMemoryDeadLetterStore } from '../dead-letters/in-memory-dead-letter-store.js';
import { DEFAULT_FAILURE_ACTION, type ErrorPolicy, type FailureAction } from '../errors/error-policy.js';
import type { MessageMiddleware } from '../pipeline/message-middleware.js';
import { QUEUE_DEFAULTS, type ResolvedQueueOptions } from '../queues/queue-options.js';
import type { DurableQueueStore } from '../queues/queue-store.js';
import type { MessageRoute } from '../routing/message-route.js';
import { InMemoryScheduler } from '../scheduling/in-memory-scheduler.js';
import type { SigningOptions } from '../serialization/cloud-event-signature.js';
import type { MessageScheduler } from '../scheduling/message-scheduler.js';
import { InMemoryTransport } from '../transports/in-memory/in-memory-transport.js';
import type { MessageInbox } from '../transports/message-inbox.js';
import type { MessageTransport } from '../transports/message-transport.js';
import type { TopicAccessPolicy } from '../transports/topic-access.js';
import type { OutgoingMessageSink } from '../transports/outgoing-message-sink.js';
import type { MessagingModuleOptions } from './messaging-options.js';
import { validateMessagingOptions } from './options-validation.js';

/** Messaging options after validation, with every default applied. */
export interface ResolvedMessagingOptions {
  readonly serviceName: string;
  readonly domain: string;
  readonly environment: string;
  /** The CloudEvents source, `/{domain}/{serviceName}`. */
  readonly source: string;
  readonly consumerGroup: string;
  readonly transports: readonly MessageTransport[];
  readonly defaultTransport?: MessageTransport;
  readonly queues: Readonly<Record<string, ResolvedQueueOptions>>;
  readonly routes: readonly MessageRoute[];
  readonly errorPolicies: readonly ErrorPolicy[];
  readonly defaultFailureAction: FailureAction;
  readonly middleware: readonly (MessageMiddleware | Type<MessageMiddleware>)[];
  readonly slowHandlerThresholdMs: number;
  readonly shutdownTimeoutMs: number;
  readonly deadLetterStore: DeadLetterStore;
  readonly durableQueueStore?: DurableQueueStore;
  readonly scheduler: MessageScheduler;
  readonly outbox?: OutgoingMessageSink;
  readonly inbox?: MessageInbox;
  readonly signing: SigningOptions;
  readonly ambientTenant?: AmbientTenant;
  readonly topicAccess?: TopicAccessPolicy;
}

/** Validates `options` and applies defaults; `decorate` wraps each transport (identity outside tests). */
export function resolveMessagingOptions(
  options: MessagingModuleOptions,
  decorate: (transport: MessageTransport) => MessageTransport,
): ResolvedMessagingOptions {
  validateMessagingOptions(options);
  const environment = options.environment ?? process.env.NODE_ENV ?? 'development';
  const domain = options.domain ?? 'app_domain';
  const transports = (options.transports ?? [new InMemoryTransport()]).map(decorate);
  const defaultName = options.defaultTransport ?? transports[0]?.name;
  const queues: Record<string, ResolvedQueueOptions> = {
    default: QUEUE_DEFAULTS,
    'domain-events': QUEUE_DEFAULTS,
  };
  for (const [name, queue] of Object.entries(options.queues ?? {}))
    queues[name] = { ...QUEUE_DEFAULTS, ...queue };
  return {
    serviceName: options.serviceName,
    domain,
    environment,
    source: `/${domain}/${options.serviceName}`,
    consumerGroup: options.consumerGroup ?? `${options.serviceName}.${environment}`,
    transports,
    defaultTransport: transports.find((transport) => transport.name === defaultName),
    queues,
    routes: options.routes ?? [],
    errorPolicies: options.errorPolicies ?? [],
    defaultFailureAction: options.defaultFailureAction ?? DEFAULT_FAILURE_ACTION,
    middleware: options.middleware ?? [],
    slowHandlerThresholdMs: options.slowHandlerThresholdMs ?? 1_000,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
    deadLetterStore: options.deadLetterStore ?? new InMemoryDeadLetterStore(),
    durableQueueStore: options.durableQueueStore,
    scheduler: options.scheduler ?? new InMemoryScheduler(),
    outbox: options.outbox,
    inbox: options.inbox,
    signing: options.signing ?? {},
    ambientTenant: options.ambientTenant,
    topicAccess: options.topicAccess,
  };
}
