import { Logger } from '@nestjs/common';
import type { MessageExecution, MessageMiddleware } from './message-middleware.js';

/** Logs each execution's duration at debug level, and slow ones as warnings. */
export class DurationLoggingMiddleware implements MessageMiddleware {
  private readonly logger = new Logger('Messaging');

  constructor(private readonly slowThresholdMs: number) {}

  async handle(execution: MessageExecution, next: () => Promise<unknown>): Promise<unknown> {
    const started = performance.now();
    try {
      return await next();
    } finally {
      const elapsed = performance.now() - started;
      const slow = elapsed >= this.slowThresholdMs;
      if (slow || Logger.isLevelEnabled('debug')) {
        const line = `${execution.handler.id} handled ${execution.envelope.type} ${execution.envelope.id} in ${elapsed.toFixed(1)} ms`;
        if (slow) this.logger.warn(`${line} (slow)`);
        else this.logger.debug(line);
      }
    }
  }
}
