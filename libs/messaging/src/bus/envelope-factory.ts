import { randomUUID } from 'node:crypto';
import { messageTypeOf } from '../contracts/message-metadata.js';
import { partitionKeyOf } from '../contracts/partition-key.decorator.js';
import { currentTraceHeaders } from '../telemetry/trace-context.js';
import type { Envelope } from './envelope.js';
import type { PublishOptions } from './message-bus.types.js';
import { MessageFlow } from './message-flow.js';
import { TenantMismatchError, type AmbientTenant } from './tenant-context.js';

/**
 * Wraps outgoing messages in envelopes: a fresh id, the ambient flow's correlation, causation and
 * tenant, the declared partition key (else the tenant), and the current trace context.
 */
export class EnvelopeFactory {
  constructor(
    private readonly source: string,
    private readonly ambientTenant?: AmbientTenant,
  ) {}

  create<T extends object>(message: T, options: PublishOptions = {}): Envelope<T> {
    if (message === null || typeof message !== 'object') {
      throw new TypeError(
        `Only objects can be sent through the bus (got ${message === null ? 'null' : typeof message})`,
      );
    }
    const cause = MessageFlow.current();
    const id = options.id ?? randomUUID();
    const tenantId = this.tenantOf(
      message,
      options.tenantId ?? cause?.tenantId ?? this.ambientTenant?.current(),
    );
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

  /** The message's own tenant, which must agree with the tenant it is published for. */
  private tenantOf(message: object, contextTenant: string | undefined): string | undefined {
    const own = tenantProperty(message);
    if (own && contextTenant && own !== contextTenant) {
      throw new TenantMismatchError(messageTypeOf(message), own, contextTenant);
    }
    return own ?? contextTenant;
  }
}

function tenantProperty(message: object): string | undefined {
  const tenantId = (message as { tenantId?: unknown }).tenantId;
  return typeof tenantId === 'string' && tenantId ? tenantId : undefined;
}
