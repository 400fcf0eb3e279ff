import { randomUUID } from 'node:crypto';
import { messageTypeOf } from '../contracts/message-metadata.js';
import { partitionKeyOf } from '../contracts/partition-key.decorator.js';
import { currentTraceHeaders } from '../telemetry/trace-context.js';
import type { Envelope } from './envelope.js';
import type { PublishOptions } from './message-bus.types.js';
import { MessageFlow } from './message-flow.js';

/**
 * Wraps outgoing messages in envelopes: a fresh id, the ambient flow's correlation, causation and
 * tenant, the declared partition key (else the tenant), and the current trace context.
 */
export class EnvelopeFactory {
  constructor(private readonly source: string) {}

  create<T extends object>(message: T, options: PublishOptions = {}): Envelope<T> {
    if (message === null || typeof message !== 'object') {
      throw new TypeError(
        `Only objects can be sent through the bus (got ${message === null ? 'null' : typeof message})`,
      );
    }
    const cause = MessageFlow.current();
    const id = options.id ?? randomUUID();
    const tenantId = options.tenantId ?? ownTenant(message) ?? cause?.tenantId;
    return {
      id,
      type: messageTypeOf(message),
      message,
      correlationId: options.correlationId ?? cause?.correlationId ?? id,
      causationId: options.causationId ?? cause?.id,
      tenantId,
      partitionKey: options.partitionKey ?? partitionKeyOf(message) ?? tenantId,
      source: this.source,
      time: new Date().toISOString(),
      headers: { ...currentTraceHeaders(), ...options.headers },
    };
  }
}

function ownTenant(message: object): string | undefined {
  const tenantId = (message as { tenantId?: unknown }).tenantId;
  return typeof tenantId === 'string' && tenantId ? tenantId : undefined;
}
