import { messageMetadataOf, messageTypeOf } from '../contracts/message-metadata.js';
import type { MessageClass } from '../contracts/message-class.js';
import { MessagingConfigurationError } from '../errors/messaging-errors.js';
import type { HandlerDescriptor } from '../handlers/handler-descriptor.js';
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import type { LocalQueue } from '../queues/local-queue.js';
import type { MessageTransport } from '../transports/message-transport.js';
import type { MessageRoute } from './message-route.js';
import type { Route } from './route.js';

type TransportRoute = Extract<Route, { kind: 'transport' }>;

/**
 * Decides where a message goes. Explicit routes win; integration events (`@EventTopic`) go to the
 * default transport; anything else goes to the local queues of its handlers (domain events to
 * `domain-events` unless their handlers say otherwise). Routes are computed once per message type.
 */
export class MessageRouter {
  private readonly cache = new Map<string, readonly Route[]>();

  constructor(
    private readonly explicitRoutes: readonly MessageRoute[],
    private readonly transports: ReadonlyMap<string, MessageTransport>,
    private readonly defaultTransport: MessageTransport | undefined,
    private readonly queues: ReadonlyMap<string, LocalQueue>,
    private readonly registry: HandlerRegistry,
  ) {}

  /** The routes of a message class. */
  routesFor(messageClass: MessageClass): readonly Route[] {
    const type = messageTypeOf(messageClass);
    let routes = this.cache.get(type);
    if (!routes) {
      routes = this.compute(messageClass, type);
      this.cache.set(type, routes);
    }
    return routes;
  }

  /** Topics each transport must consume: those of the messages this service handles that arrive through it. */
  subscriptions(): Map<MessageTransport, Set<string>> {
    const topics = new Map<MessageTransport, Set<string>>();
    for (const handler of this.registry.all()) {
      for (const route of this.transportRoutes(handler.messageClass, handler.message.type)) {
        const set = topics.get(route.transport) ?? new Set<string>();
        set.add(route.topic);
        topics.set(route.transport, set);
      }
    }
    return topics;
  }

  private compute(messageClass: MessageClass, type: string): readonly Route[] {
    const transportRoutes = this.transportRoutes(messageClass, type);
    return transportRoutes.length > 0 ? transportRoutes : this.localRoutes(this.registry.handlersFor(type));
  }

  private transportRoutes(messageClass: MessageClass, type: string): TransportRoute[] {
    const metadata = messageMetadataOf(messageClass);
    const explicit = this.explicitRoutes.filter((route) =>
      route.messages.some(
        (candidate) => (typeof candidate === 'string' ? candidate : messageTypeOf(candidate)) === type,
      ),
    );
    if (explicit.length > 0) {
      return explicit.map((route) => ({
        kind: 'transport',
        transport: this.transports.get(route.transport)!,
        topic: route.topic ?? metadata.topic ?? type,
      }));
    }
    if (metadata.topic === undefined) return [];
    if (!this.defaultTransport) {
      throw new MessagingConfigurationError(
        'transports',
        `is empty, but integration event ${type} needs one`,
      );
    }
    return [{ kind: 'transport', transport: this.defaultTransport, topic: metadata.topic }];
  }

  private localRoutes(handlers: readonly HandlerDescriptor[]): Route[] {
    const byQueue = new Map<string, HandlerDescriptor[]>();
    for (const handler of handlers)
      byQueue.set(handler.queue, [...(byQueue.get(handler.queue) ?? []), handler]);
    return [...byQueue].map(([name, queueHandlers]) => ({
      kind: 'local',
      queue: this.queues.get(name)!,
      handlers: queueHandlers,
    }));
  }
}
