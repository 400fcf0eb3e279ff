import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ActivityTracker } from '../activity/activity-tracker.js';
import { MessageBus } from '../bus/message-bus.js';
import { CqrsEventBridge } from '../cqrs/cqrs-event-bridge.js';
import { DEAD_LETTER_STORE } from '../dead-letters/dead-letter-store.js';
import { HandlerRegistry } from '../handlers/handler-registry.js';
import type { MessageTransport } from '../transports/message-transport.js';
import { TransportRegistry } from '../transports/transport-registry.js';
import { MessagingConfigurableModule, MESSAGING_MODULE_OPTIONS } from './messaging-module-definition.js';
import type { MessagingModuleOptions } from './messaging-options.js';
import { MessagingRuntime } from './messaging-runtime.js';
import { RESOLVED_MESSAGING_OPTIONS, TRANSPORT_DECORATOR } from './messaging-tokens.js';
import { resolveMessagingOptions, type ResolvedMessagingOptions } from './resolved-options.js';

/**
 * The message bus for a Nest application: `MessagingModule.forRoot({ serviceName: 'orders' })`
 * or `forRootAsync({ useFactory, inject })`. Global by default. Invalid options fail at startup
 * with a `MessagingConfigurationError` naming the option.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: TRANSPORT_DECORATOR, useValue: (transport: MessageTransport) => transport },
    {
      provide: RESOLVED_MESSAGING_OPTIONS,
      inject: [MESSAGING_MODULE_OPTIONS, TRANSPORT_DECORATOR],
      useFactory: resolveMessagingOptions,
    },
    {
      provide: DEAD_LETTER_STORE,
      inject: [RESOLVED_MESSAGING_OPTIONS],
      useFactory: (options: ResolvedMessagingOptions) => options.deadLetterStore,
    },
    ActivityTracker,
    HandlerRegistry,
    MessagingRuntime,
    MessageBus,
    CqrsEventBridge,
    TransportRegistry,
  ],
  exports: [
    MessageBus,
    ActivityTracker,
    TransportRegistry,
    DEAD_LETTER_STORE,
    MessagingRuntime,
    RESOLVED_MESSAGING_OPTIONS,
  ],
})
export class MessagingModule extends MessagingConfigurableModule {}

export type { MessagingModuleOptions };
