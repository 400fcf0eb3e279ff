import { Inject, Injectable } from '@nestjs/common';
import { RESOLVED_MESSAGING_OPTIONS } from '../module/messaging-tokens.js';
import type { ResolvedMessagingOptions } from '../module/resolved-options.js';
import type { MessageTransport } from './message-transport.js';

/** The configured transports by name, for components that publish records themselves (the outbox relay). */
@Injectable()
export class TransportRegistry {
  private readonly byName: ReadonlyMap<string, MessageTransport>;

  constructor(@Inject(RESOLVED_MESSAGING_OPTIONS) options: ResolvedMessagingOptions) {
    this.byName = new Map(options.transports.map((transport) => [transport.name, transport]));
  }

  /** The transport called `name`; throws naming the configured ones when there is none. */
  get(name: string): MessageTransport {
    const transport = this.byName.get(name);
    if (!transport)
      throw new Error(`No transport named '${name}' (configured: ${[...this.byName.keys()].join(', ')})`);
    return transport;
  }

  all(): MessageTransport[] {
    return [...this.byName.values()];
  }
}
