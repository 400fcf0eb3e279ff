import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ActivityTracker } from '../activity/activity-tracker.js';
import { MessageBus } from '../bus/message-bus.js';

/** The slice of `@nestjs/cqrs`'s `IEventPublisher` the bridge relies on. */
interface CqrsPublisher {
  publish(event: object, ...rest: unknown[]): unknown;
  publishAll?(events: object[], ...rest: unknown[]): unknown;
}

/**
 * Lets an application adopt the bus without rewriting its `@nestjs/cqrs` code: when `CqrsModule`
 * is present, every event published through its `EventBus` (including `AggregateRoot.commit`) also
 * goes through our bus, reaching `@EventHandler()` methods with the pipeline and retries, while
 * existing `@EventsHandler` classes keep receiving it from cqrs as before.
 */
@Injectable()
export class CqrsEventBridge implements OnApplicationBootstrap {
  private readonly logger = new Logger('Messaging');

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly bus: MessageBus,
    private readonly tracker: ActivityTracker,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const eventBus = await this.findCqrsEventBus();
    if (!eventBus) return;
    const original = eventBus.publisher;
    const forward = (event: object): void => {
      void this.tracker
        .track(`cqrs bridge ${event.constructor.name}`, () => this.bus.publish(event))
        .catch((error: Error) =>
          this.logger.error(
            `cqrs event ${event.constructor.name} not forwarded to the bus: ${error.message}`,
          ),
        );
    };
    eventBus.publisher = {
      publish: (event, ...rest) => {
        forward(event);
        return original.publish(event, ...rest);
      },
      publishAll: (events, ...rest) => {
        events.forEach(forward);
        return original.publishAll
          ? original.publishAll(events, ...rest)
          : events.map((event) => original.publish(event, ...rest));
      },
    };
    this.logger.log('@nestjs/cqrs EventBus bridged: its events also flow through the message bus');
  }

  private async findCqrsEventBus(): Promise<{ publisher: CqrsPublisher } | undefined> {
    try {
      const { EventBus } = await import('@nestjs/cqrs');
      return this.moduleRef.get(EventBus, { strict: false }) as unknown as { publisher: CqrsPublisher };
    } catch {
      return undefined;
    }
  }
}
