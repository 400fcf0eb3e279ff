import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { OutboxRuntime } from '@momentum/outbox';

/** Above this age the oldest unsent message means the relay is stuck or the broker unreachable. */
const STALE_AFTER_MS = 60_000;

/** `outbox`: messages committed but not yet sent, and the age of the oldest. */
@Injectable()
export class OutboxBacklogIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly outbox: OutboxRuntime,
  ) {}

  async check() {
    const session = this.indicators.check('outbox');
    try {
      const { messages, oldestAgeMs } = await this.outbox.backlog();
      const status = { backlog: messages, oldestAgeMs };
      return oldestAgeMs > STALE_AFTER_MS ? session.down(status) : session.up(status);
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
