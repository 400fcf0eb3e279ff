import type { Envelope } from './envelope.js';
import type { ContextualBus } from './message-context.js';
import type { PublishOptions, ScheduleOptions } from './message-bus.types.js';
import { MessageFlow } from './message-flow.js';

/**
 * `bus` as seen from inside a handler of `envelope`: everything it is asked to do joins the
 * envelope's flow. One object per handler run, rather than a closure per method.
 */
export class FlowBus implements ContextualBus {
  constructor(
    private readonly bus: ContextualBus,
    private readonly envelope: Envelope,
  ) {}

  publish(message: object, options?: PublishOptions): Promise<void> {
    return MessageFlow.run(this.envelope, () => this.bus.publish(message, options));
  }

  send(message: object, options?: PublishOptions): Promise<void> {
    return MessageFlow.run(this.envelope, () => this.bus.send(message, options));
  }

  invoke<T = unknown>(message: object, options?: PublishOptions): Promise<T> {
    return MessageFlow.run(this.envelope, () => this.bus.invoke<T>(message, options));
  }

  schedule(message: object, options: ScheduleOptions): Promise<void> {
    return MessageFlow.run(this.envelope, () => this.bus.schedule(message, options));
  }
}
