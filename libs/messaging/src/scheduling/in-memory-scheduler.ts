import { Logger } from '@nestjs/common';
import type { Envelope } from '../bus/envelope.js';
import type { MessageScheduler, ScheduledDispatch } from './message-scheduler.js';

/** Node's timers accept at most this delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The default {@link MessageScheduler}: timers in this process. Scheduled messages do not survive a restart. */
export class InMemoryScheduler implements MessageScheduler {
  private readonly logger = new Logger('Messaging');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private dispatch?: ScheduledDispatch;

  async start(dispatch: ScheduledDispatch): Promise<void> {
    this.dispatch = dispatch;
  }

  async schedule(envelope: Envelope, dueAt: Date): Promise<void> {
    const arm = (): void => {
      const remaining = dueAt.getTime() - Date.now();
      const timer = setTimeout(
        () => (remaining > MAX_TIMER_MS ? arm() : this.release(envelope)),
        Math.min(Math.max(0, remaining), MAX_TIMER_MS),
      );
      timer.unref();
      this.timers.set(envelope.id, timer);
    };
    arm();
  }

  async close(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    if (this.timers.size > 0)
      this.logger.warn(`${this.timers.size} scheduled message(s) dropped at shutdown (in-memory scheduler)`);
    this.timers.clear();
  }

  private release(envelope: Envelope): void {
    this.timers.delete(envelope.id);
    if (!this.dispatch) throw new Error('InMemoryScheduler used before start()');
    this.dispatch(envelope).catch((error: Error) =>
      this.logger.error(`scheduled ${envelope.type} ${envelope.id} could not be released: ${error.message}`),
    );
  }
}
