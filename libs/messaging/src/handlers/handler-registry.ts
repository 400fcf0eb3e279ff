import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { messageMetadataOf } from '../contracts/message-metadata.js';
import type { MessageClass } from '../contracts/message-class.js';
import { MessageContext } from '../bus/message-context.js';
import { HandlerDeclarationError } from '../errors/messaging-errors.js';
import { EVENT_HANDLER_METADATA, type EventHandlerOptions } from './event-handler.decorator.js';
import type { ArgumentResolver, HandlerDescriptor } from './handler-descriptor.js';

const NOT_A_MESSAGE: ReadonlySet<unknown> = new Set([
  undefined,
  Object,
  String,
  Number,
  Boolean,
  Array,
  Promise,
  Function,
]);

/** Queue of a handler that names none. */
export function defaultQueueFor(messageClass: MessageClass): string {
  return messageMetadataOf(messageClass).kind === 'domain-event' ? 'domain-events' : 'default';
}

/**
 * Every `@EventHandler()` method of the application, found through Nest's `DiscoveryService` once
 * at startup and indexed by message type.
 */
@Injectable()
export class HandlerRegistry {
  private readonly byType = new Map<string, HandlerDescriptor[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Scans the container; throws a {@link HandlerDeclarationError} for a handler the bus cannot call. */
  discover(): void {
    this.byType.clear();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const options = Reflect.getMetadata(EVENT_HANDLER_METADATA, prototype[method as keyof object]) as
          EventHandlerOptions | undefined;
        if (options) this.add(this.describe(instance, method, options));
      }
    }
  }

  /** The handlers of a message type, in discovery order. */
  handlersFor(type: string): readonly HandlerDescriptor[] {
    return this.byType.get(type) ?? [];
  }

  /** Every handler. */
  all(): HandlerDescriptor[] {
    return [...this.byType.values()].flat();
  }

  /** The message class registered for a type name, if any handler handles it. */
  messageClassOf(type: string): MessageClass | undefined {
    return this.byType.get(type)?.[0]?.messageClass;
  }

  private add(handler: HandlerDescriptor): void {
    const existing = this.byType.get(handler.message.type) ?? [];
    const clash = existing.find((other) => other.messageClass !== handler.messageClass);
    if (clash) {
      throw new HandlerDeclarationError(
        `${handler.id} and ${clash.id} handle two different classes with the same message type ` +
          `'${handler.message.type}'; give one of them an explicit type name`,
      );
    }
    this.byType.set(handler.message.type, [...existing, handler]);
  }

  private describe(
    instance: Record<string, unknown>,
    method: string,
    options: EventHandlerOptions,
  ): HandlerDescriptor {
    const id = `${instance.constructor.name}.${method}`;
    const parameterTypes =
      (Reflect.getMetadata('design:paramtypes', instance, method) as unknown[] | undefined) ?? [];
    const messageClass = parameterTypes[0];
    if (NOT_A_MESSAGE.has(messageClass) || typeof messageClass !== 'function') {
      throw new HandlerDeclarationError(
        `${id}: the first parameter of an @EventHandler() method must be typed with a message class ` +
          `(found ${parameterTypes.length === 0 ? 'no parameter' : describeType(messageClass)})`,
      );
    }
    const resolvers = parameterTypes.slice(1).map((type, index) => this.resolverFor(id, type, index + 2));
    const target = instance[method] as (...args: unknown[]) => unknown;
    const message = messageMetadataOf(messageClass as MessageClass);
    return {
      id,
      messageClass: messageClass as MessageClass,
      message,
      queue: options.queue ?? defaultQueueFor(messageClass as MessageClass),
      method: target,
      invoke: async (context) =>
        target.call(instance, context.message, ...resolvers.map((resolve) => resolve(context))),
    };
  }

  private resolverFor(id: string, type: unknown, position: number): ArgumentResolver {
    if (type === MessageContext) return (context) => context;
    if (typeof type !== 'function' || NOT_A_MESSAGE.has(type)) {
      throw new HandlerDeclarationError(
        `${id}: parameter ${position} (${describeType(type)}) cannot be supplied; extra parameters must be ` +
          'a MessageContext or a provider class',
      );
    }
    let provider: unknown;
    try {
      provider = this.moduleRef.get(type, { strict: false });
    } catch {
      throw new HandlerDeclarationError(
        `${id}: parameter ${position} (${describeType(type)}) cannot be supplied; no provider of that type is ` +
          'registered in the application',
      );
    }
    return () => provider;
  }
}

function describeType(type: unknown): string {
  return typeof type === 'function' ? type.name || 'anonymous' : String(type);
}
