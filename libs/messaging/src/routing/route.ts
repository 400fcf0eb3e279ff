import type { HandlerDescriptor } from '../handlers/handler-descriptor.js';
import type { LocalQueue } from '../queues/local-queue.js';
import type { MessageTransport } from '../transports/message-transport.js';

/** Where one published message goes: a transport topic, or a local queue with the handlers it runs. */
export type Route =
  | { readonly kind: 'transport'; readonly transport: MessageTransport; readonly topic: string }
  | { readonly kind: 'local'; readonly queue: LocalQueue; readonly handlers: readonly HandlerDescriptor[] };

/** A route's name in logs, records and errors. */
export function describeRoute(route: Route): string {
  return route.kind === 'transport' ? `${route.transport.name}:${route.topic}` : `queue ${route.queue.name}`;
}
