import type { Type } from '@nestjs/common';
import type { AmbientTenant } from '../bus/tenant-context.js';
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js';
import type { ErrorPolicy, FailureAction } from '../errors/error-policy.js';
import type { MessageMiddleware } from '../pipeline/message-middleware.js';
import type { DurableQueueStore } from '../queues/queue-store.js';
import type { QueueOptions } from '../queues/queue-options.js';
import type { MessageRoute } from '../routing/message-route.js';
import type { SigningOptions } from '../serialization/cloud-event-signature.js';
import type { MessageScheduler } from '../scheduling/message-scheduler.js';
import type { MessageInbox } from '../transports/message-inbox.js';
import type { MessageTransport } from '../transports/message-transport.js';
import type { TopicAccessPolicy } from '../transports/topic-access.js';
import type { OutgoingMessageSink } from '../transports/outgoing-message-sink.js';

/** Options of `MessagingModule.forRoot` / `forRootAsync`. */
export interface MessagingModuleOptions {
  /** This service's name, e.g. `orders`; part of the CloudEvents source and the consumer group. */
  readonly serviceName: string;
  /** The business domain, e.g. `app_domain`; the CloudEvents source is `/{domain}/{serviceName}`. Default `app_domain`. */
  readonly domain?: string;
  /** Deployment environment, e.g. `development`, `production`. Default `NODE_ENV`, else `development`. */
  readonly environment?: string;
  /** Brokers to publish to and consume from. Default: one in-memory transport (the embedded mode). */
  readonly transports?: readonly MessageTransport[];
  /** Transport for integration events without an explicit route. Default: the first transport. */
  readonly defaultTransport?: string;
  /** Consumer group of this service. Default `{serviceName}.{environment}`. */
  readonly consumerGroup?: string;
  /** Local queues by name. `default` and `domain-events` always exist (buffered unless configured). */
  readonly queues?: Readonly<Record<string, QueueOptions>>;
  /** Explicit routes; they win over conventions. */
  readonly routes?: readonly MessageRoute[];
  /** Error policies, first match wins. */
  readonly errorPolicies?: readonly ErrorPolicy[];
  /** What to do when no policy matches. Default: retry 3 attempts with exponential backoff, then dead letter. */
  readonly defaultFailureAction?: FailureAction;
  /** Extra middleware, run inside error capture and outside validation, in this order. Classes are instantiated through the container. */
  readonly middleware?: readonly (MessageMiddleware | Type<MessageMiddleware>)[];
  /** Executions slower than this are logged as warnings. Default 1,000 ms. */
  readonly slowHandlerThresholdMs?: number;
  /** How long shutdown waits for queued and in-flight work. Default 10,000 ms. */
  readonly shutdownTimeoutMs?: number;
  /** Where dead letters go. Default: in memory. */
  readonly deadLetterStore?: DeadLetterStore;
  /** Persistence for `durable` queues (the outbox module provides one). */
  readonly durableQueueStore?: DurableQueueStore;
  /** Keeps scheduled messages. Default: in-memory timers. */
  readonly scheduler?: MessageScheduler;
  /** Transactional outbox: takes transport-bound records while a transaction is open. */
  readonly outbox?: OutgoingMessageSink;
  /** Durable inbox: deduplicates consumed messages and runs their handlers transactionally. */
  readonly inbox?: MessageInbox;
  /** HMAC signing of published integration events and verification of consumed ones. */
  readonly signing?: SigningOptions;
  /** Where the ambient tenant comes from (the tenancy module provides it). */
  readonly ambientTenant?: AmbientTenant;
  /** Which topics this service may publish to and consume from; everything is allowed without one. */
  readonly topicAccess?: TopicAccessPolicy;
}
