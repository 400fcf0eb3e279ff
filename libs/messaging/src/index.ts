export type { MessageClass } from './contracts/message-class.js';
export {
  messageMetadataOf,
  messageTypeOf,
  type MessageKind,
  type MessageMetadata,
} from './contracts/message-metadata.js';
export { EventTopic, type EventTopicOptions } from './contracts/event-topic.decorator.js';
export {
  Command,
  DomainEvent,
  Message,
  Query,
  type MessageOptions,
} from './contracts/message-kind.decorators.js';
export {
  PartitionKey,
  partitionKeyOf,
  type HasPartitionKey,
  type PartitionKeyOptions,
} from './contracts/partition-key.decorator.js';
export { Result, type ResultError } from './contracts/result.js';

export { EventHandler, type EventHandlerOptions } from './handlers/event-handler.decorator.js';
export { MessageBus } from './bus/message-bus.js';
export type { PublishOptions, ScheduleOptions } from './bus/message-bus.types.js';
export { MessageContext, type ContextualBus } from './bus/message-context.js';
export type { Envelope } from './bus/envelope.js';
export { TenantMismatchError, type AmbientTenant } from './bus/tenant-context.js';
export { MessageFlow } from './bus/message-flow.js';

export type { MessageMiddleware, MessageExecution, ExecutionMode } from './pipeline/message-middleware.js';
export { MESSAGING_TRACER } from './pipeline/telemetry.middleware.js';

export {
  FailureActions,
  DEFAULT_FAILURE_ACTION,
  type ErrorPolicy,
  type ErrorClass,
  type FailureAction,
  type RetryAction,
  type CooldownAction,
  type RequeueAction,
  type DiscardAction,
  type DeadLetterAction,
} from './errors/error-policy.js';
export {
  HandlerDeclarationError,
  MessageDeserializationError,
  MessageValidationError,
  MessagingConfigurationError,
  NoRouteError,
  NonRetryableError,
  type FieldError,
} from './errors/messaging-errors.js';

export type { DeadLetter, DeadLetterQuery } from './dead-letters/dead-letter.js';
export { DEAD_LETTER_STORE, type DeadLetterStore } from './dead-letters/dead-letter-store.js';
export { InMemoryDeadLetterStore } from './dead-letters/in-memory-dead-letter-store.js';

export type { QueueMode, QueueOptions } from './queues/queue-options.js';
export { DURABLE_QUEUE_STORE, type DurableQueueStore } from './queues/queue-store.js';
export type { MessageRoute } from './routing/message-route.js';
export type { MessageScheduler, ScheduledDispatch } from './scheduling/message-scheduler.js';
export { InMemoryScheduler } from './scheduling/in-memory-scheduler.js';

export type {
  MessageTransport,
  TransportRecord,
  IncomingRecord,
  TransportSubscription,
  DeadLetterReason,
} from './transports/message-transport.js';
export type { OutgoingEnlistment, OutgoingMessageSink } from './transports/outgoing-message-sink.js';
export type { MessageInbox } from './transports/message-inbox.js';
export { TransportRegistry } from './transports/transport-registry.js';
export { TopicAccessDeniedError, type TopicAccessPolicy } from './transports/topic-access.js';
export {
  SignatureVerificationError,
  type SigningKey,
  type SigningOptions,
} from './serialization/cloud-event-signature.js';
export {
  InMemoryTransport,
  type InMemoryTransportOptions,
} from './transports/in-memory/in-memory-transport.js';
export { InMemoryBroker, type InMemoryBrokerOptions } from './transports/in-memory/in-memory-broker.js';
export {
  encodeCloudEvent,
  decodeCloudEvent,
  toStructuredRecord,
  type DecodedEnvelope,
} from './serialization/cloud-event-codec.js';
export { deadLetterHeaders } from './transports/dead-letter-headers.js';

export { ActivityTracker, type ActivityListener } from './activity/activity-tracker.js';
export type { ActivityRecord, ActivityKind, FailureOutcome } from './activity/activity-record.js';
export type { ActivitySource } from './activity/activity-source.js';

export { MessagingModule } from './module/messaging.module.js';
export type { MessagingModuleOptions } from './module/messaging-options.js';
export type { MessagingModuleExtras } from './module/messaging-module-definition.js';
export { TRANSPORT_DECORATOR } from './module/messaging-tokens.js';

export { CloudEventsServer, type CloudEventsServerOptions } from './microservices/cloud-events.server.js';
export { CloudEventsClient, type CloudEventsClientOptions } from './microservices/cloud-events.client.js';
export { CloudEventContext } from './microservices/cloud-event-context.js';
export { PreserveErrorFilter } from './microservices/preserve-error.filter.js';

export { KafkaTransport, type ListenerCircuit } from './transports/kafka/kafka-transport.js';
export type {
  KafkaTransportOptions,
  KafkaConnectionOptions,
  KafkaSaslOptions,
  KafkaProducerSettings,
  KafkaConsumerSettings,
  KafkaCircuitBreakerSettings,
  KafkaTopicSettings,
  TopicProvisioning,
} from './transports/kafka/kafka-transport-options.js';
export type {
  KafkaClient,
  KafkaProducerClient,
  KafkaProducerOptions,
  KafkaConsumerClient,
  KafkaConsumerOptions,
  KafkaConsumerRun,
  KafkaBatch,
  KafkaHeartbeat,
  KafkaCommitOffset,
  KafkaTopicPartitions,
  KafkaAdminClient,
  KafkaTopicSpec,
  KafkaCompression,
} from './transports/kafka/kafka-client.js';
export { KafkajsClient, kafkajsConfig, type KafkajsConnection } from './transports/kafka/kafkajs-client.js';
export { KafkaPublishError } from './transports/kafka/kafka-publish-error.js';
export type { CircuitState } from './transports/kafka/circuit-breaker.js';
