import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ActivityRecord } from '../activity/activity-record.js';
import { ActivityTracker } from '../activity/activity-tracker.js';
import type { Envelope } from '../bus/envelope.js';
import { EnvelopeFactory } from '../bus/envelope-factory.js';
import { FlowBus } from '../bus/flow-bus.js';
import type { ContextualBus } from '../bus/message-context.js';
import type { PublishOptions, ScheduleOptions } from '../bus/message-bus.types.js';
import { MessageExecutor } from '../bus/message-executor.js';
import { MessageFlow } from '../bus/message-flow.js';
import type { MessageClass } from '../contracts/message-class.js';
import { encodeCloudEvent } from '../serialization/cloud-event-codec.js';
import { signRecord } from '../serialization/cloud-event-signature.js';
import { FailureDecider } from '../errors/failure-decision.js';
import { asError, NoRouteError } from '../errors/messaging-errors.js';
import { HandlerRegistry } from '../handlers/handler-registry.js';
import { composeMiddleware, type MessageMiddleware } from '../pipeline/message-middleware.js';
import { DurationLoggingMiddleware } from '../pipeline/duration-logging.middleware.js';
import { ErrorCaptureMiddleware } from '../pipeline/error-capture.middleware.js';
import { TelemetryMiddleware } from '../pipeline/telemetry.middleware.js';
import { ValidationMiddleware } from '../pipeline/validation.middleware.js';
import { BufferedQueue } from '../queues/buffered-queue.js';
import { DurableQueue } from '../queues/durable-queue.js';
import { InlineQueue } from '../queues/inline-queue.js';
import type { LocalQueue, QueueItem } from '../queues/local-queue.js';
import { QUEUE_DEFAULTS } from '../queues/queue-options.js';
import { MessageRouter } from '../routing/message-router.js';
import { describeRoute, type Route } from '../routing/route.js';
import type { OutgoingEnlistment } from '../transports/outgoing-message-sink.js';
import { TransportConsumer } from '../transports/transport-consumer.js';
import { RESOLVED_MESSAGING_OPTIONS } from './messaging-tokens.js';
import type { ResolvedMessagingOptions } from './resolved-options.js';

/** How a message is dispatched: to every route, or to exactly one. */
type DispatchMode = 'publish' | 'send';

/**
 * Assembles the bus from the options and the discovered handlers, and runs it on Nest's lifecycle:
 * handlers are discovered at module init, transports subscribe and start at bootstrap. Shutdown
 * happens in two steps so that in-flight handlers still have their databases and the outbox:
 * `beforeApplicationShutdown` stops consuming, lets running records and local queues finish, closes
 * the scheduler and drains the outbox (which sends what committed); `onApplicationShutdown`, when
 * every module's before-shutdown work is done, closes the transports.
 */
@Injectable()
export class MessagingRuntime
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Messaging');
  private readonly envelopes: EnvelopeFactory;
  private readonly queues = new Map<string, LocalQueue>();
  private readonly transports;
  private executor!: MessageExecutor;
  private router!: MessageRouter;
  private consumer!: TransportConsumer;
  /** The bus's operations, for {@link FlowBus}es to run in a handled message's flow. */
  private readonly bus: ContextualBus = {
    publish: (message, options) => this.dispatch(message, options, 'publish'),
    send: (message, options) => this.dispatch(message, options, 'send'),
    invoke: (message, options) => this.invoke(message, options),
    schedule: (message, options) => this.schedule(message, options),
  };

  constructor(
    @Inject(RESOLVED_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly registry: HandlerRegistry,
    private readonly tracker: ActivityTracker,
    private readonly moduleRef: ModuleRef,
  ) {
    this.envelopes = new EnvelopeFactory(options.source, options.ambientTenant);
    this.transports = new Map(options.transports.map((transport) => [transport.name, transport]));
  }

  async onModuleInit(): Promise<void> {
    this.registry.discover();
    this.executor = new MessageExecutor({
      pipeline: composeMiddleware(await this.middleware(), (execution) =>
        execution.handler.invoke(execution.context),
      ),
      decider: new FailureDecider(this.options.errorPolicies, this.options.defaultFailureAction),
      deadLetters: this.options.deadLetterStore,
      tracker: this.tracker,
      busFor: (envelope) => this.busFor(envelope),
      cascade: (messages, cause) => MessageFlow.run(cause, () => this.cascade(messages)),
    });
    this.createQueues();
    this.router = new MessageRouter(
      this.options.routes,
      this.transports,
      this.options.defaultTransport,
      this.queues,
      this.registry,
    );
    this.consumer = new TransportConsumer(this.registry, this.executor, this.tracker, {
      groupId: this.options.consumerGroup,
      inbox: this.options.inbox,
      acceptKeys: this.options.signing.acceptKeys,
      topicAccess: this.options.topicAccess,
    });
    for (const transport of this.options.transports)
      if (transport.activity) this.tracker.registerSource(transport.activity);
  }

  async onApplicationBootstrap(): Promise<void> {
    const subscriptions = this.router.subscriptions();
    for (const [transport, topics] of subscriptions) {
      transport.subscribe({
        groupId: this.options.consumerGroup,
        topics: [...topics],
        handle: (record) =>
          this.tracker.track(
            () => `${transport.name}:${record.topic} record ${record.partition}@${record.offset}`,
            () => this.consumer.handle(transport, record),
          ),
        prepare: (records) => this.consumer.prepare(records),
        forget: (records) => this.consumer.forget(records),
      });
    }
    await Promise.all(this.options.transports.map((transport) => transport.start()));
    await this.options.scheduler.start((envelope) => this.route(envelope, 'publish'));
    for (const queue of this.queues.values())
      if (queue instanceof DurableQueue) await this.startRecovery(queue);
    const topics = [...subscriptions.values()].reduce((count, set) => count + set.size, 0);
    this.logger.log(
      `${this.options.serviceName}: ${this.registry.all().length} handler(s), ${this.queues.size} local queue(s), ` +
        `${topics} subscribed topic(s) as group ${this.options.consumerGroup}`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.options.transports.map((transport) =>
        transport.stopConsuming ? transport.stopConsuming() : transport.close(),
      ),
    );
    await Promise.all([...this.queues.values()].map((queue) => queue.close(this.options.shutdownTimeoutMs)));
    await this.options.scheduler.close();
    await this.options.outbox?.drain?.();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.options.transports.map((transport) => transport.close()));
  }

  /** Publishes or sends a message; see `MessageBus`. */
  async dispatch(message: object, options: PublishOptions | undefined, mode: DispatchMode): Promise<void> {
    await this.route(this.envelopes.create(message, options), mode);
  }

  /** Runs the single handler of a message inline; see `MessageBus.invoke`. */
  async invoke<T>(message: object, options?: PublishOptions): Promise<T> {
    const envelope = this.envelopes.create(message, options);
    const handlers = this.registry.handlersFor(envelope.type);
    if (handlers.length !== 1) {
      throw new NoRouteError(
        handlers.length === 0
          ? `No handler for ${envelope.type}: invoke needs exactly one local handler`
          : `${envelope.type} has ${handlers.length} handlers (${handlers.map((h) => h.id).join(', ')}): invoke needs exactly one`,
      );
    }
    this.tracker.record({ kind: 'sent', envelope, destination: 'invoke' });
    const outcome = await this.tracker.track(`invoke ${envelope.type} ${envelope.id}`, () =>
      this.executor.execute(envelope, handlers[0]!, 'invoke', 'invoke'),
    );
    return (outcome.status === 'succeeded' ? outcome.value : undefined) as T;
  }

  /** Keeps a message until it is due; see `MessageBus.schedule`. */
  async schedule(message: object, options: ScheduleOptions): Promise<void> {
    const envelope = this.envelopes.create(message, options);
    const dueAt = 'at' in options ? options.at : new Date(Date.now() + options.delayMs);
    if (Number.isNaN(dueAt.getTime())) throw new TypeError(`schedule: invalid due time for ${envelope.type}`);
    await this.options.scheduler.schedule(envelope, dueAt);
    this.tracker.record({ kind: 'scheduled', envelope, destination: dueAt.toISOString() });
  }

  private async route(envelope: Envelope, mode: DispatchMode): Promise<void> {
    const routes = this.router.routesFor(envelope.message.constructor as MessageClass);
    if (mode === 'send' && routes.length !== 1) {
      throw new NoRouteError(
        routes.length === 0
          ? `No route for ${envelope.type}: send needs exactly one (no handler, transport route or @EventTopic)`
          : `${envelope.type} has ${routes.length} routes (${routes.map(describeRoute).join(', ')}): send needs exactly one; use publish`,
      );
    }
    if (routes.length === 0) {
      this.logger.debug(`No route for ${envelope.type} ${envelope.id}; nothing to do`);
      this.tracker.record({ kind: 'no-handler', envelope });
      return;
    }
    await Promise.all(routes.map((route) => this.deliver(route, envelope)));
  }

  private async deliver(route: Route, envelope: Envelope): Promise<void> {
    const destination = describeRoute(route);
    if (route.kind === 'transport') {
      this.options.topicAccess?.assertPublish(route.topic, envelope.tenantId, envelope);
      const encoded = encodeCloudEvent(envelope, route.topic);
      const signWith = this.options.signing.signWith;
      const record = signWith ? signRecord(encoded, envelope, signWith) : encoded;
      const enlisted =
        (await this.options.outbox?.tryEnlist(route.transport.name, record, envelope)) ?? false;
      if (enlisted === false) {
        await route.transport.publish([record]);
        this.tracker.record({ kind: 'sent', envelope, destination, topic: route.topic });
        return;
      }
      const sent = {
        kind: 'sent',
        envelope,
        destination: `outbox → ${destination}`,
        topic: route.topic,
      } as const;
      if (enlisted === true) this.tracker.record(sent);
      else this.recordOnCommit(enlisted, sent);
      return;
    }
    this.tracker.record({ kind: 'sent', envelope, destination });
    await route.queue.enqueue(route.handlers.map((handler) => ({ envelope, handler, attempt: 1 })));
  }

  /**
   * Announces a record stored in the outbox once its transaction commits, and never when it is
   * rolled back: observers such as the audit trail must not see a publish that did not happen.
   */
  private recordOnCommit(enlistment: OutgoingEnlistment, sent: Omit<ActivityRecord, 'at'>): void {
    const { envelope } = sent;
    void enlistment.committed.then(
      (committed) => {
        if (committed) this.tracker.record(sent);
        else this.logger.debug(`${envelope.type} ${envelope.id} rolled back with its transaction; not sent`);
      },
      (error: unknown) =>
        this.logger.warn(
          `${envelope.type} ${envelope.id}: whether its transaction committed is unknown: ${asError(error).message}`,
        ),
    );
  }

  /** Runs what `queue` left stored at startup, and lets the store call for recovery later on. */
  private async startRecovery(queue: DurableQueue): Promise<void> {
    await queue.recover();
    this.options.durableQueueStore?.registerRecovery?.(queue.name, () => queue.recover());
  }

  private async cascade(messages: readonly object[]): Promise<void> {
    for (const message of messages) await this.dispatch(message, undefined, 'publish');
  }

  private busFor(envelope: Envelope): ContextualBus {
    return new FlowBus(this.bus, envelope);
  }

  private async middleware(): Promise<MessageMiddleware[]> {
    const user = await Promise.all(
      this.options.middleware.map((entry) =>
        typeof entry === 'function'
          ? this.moduleRef.create(entry as Type<MessageMiddleware>)
          : Promise.resolve(entry),
      ),
    );
    return [
      new TelemetryMiddleware((execution) =>
        execution.source.includes(':') ? execution.source.slice(0, execution.source.indexOf(':')) : 'local',
      ),
      new DurationLoggingMiddleware(this.options.slowHandlerThresholdMs),
      new ErrorCaptureMiddleware(),
      ...user,
      new ValidationMiddleware(),
    ];
  }

  private createQueues(): void {
    const names = new Set([
      ...Object.keys(this.options.queues),
      ...this.registry.all().map((handler) => handler.queue),
    ]);
    for (const name of names) {
      const queue = this.createQueue(name);
      this.queues.set(name, queue);
      this.tracker.registerSource(queue);
    }
  }

  private createQueue(name: string): LocalQueue {
    const options = this.options.queues[name] ?? QUEUE_DEFAULTS;
    const work = (item: QueueItem, queue: string): Promise<QueueItem | undefined> => this.work(item, queue);
    if (options.mode === 'inline') return new InlineQueue(name, work);
    if (options.mode === 'durable') {
      return new DurableQueue(name, options, work, this.options.durableQueueStore!, (envelope) =>
        this.registry.handlersFor(envelope.type).filter((handler) => handler.queue === name),
      );
    }
    return new BufferedQueue(name, options, work);
  }

  private async work(item: QueueItem, queue: string): Promise<QueueItem | undefined> {
    this.tracker.record({
      kind: 'received',
      envelope: item.envelope,
      handler: item.handler.id,
      destination: `queue ${queue}`,
    });
    const outcome = await this.executor.execute(item.envelope, item.handler, 'deliver', queue, item.attempt);
    return outcome.status === 'requeue' ? { ...item, attempt: outcome.attempt + 1 } : undefined;
  }
}
