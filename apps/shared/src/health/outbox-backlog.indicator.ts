import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { OUTBOX_DATA_SOURCE } from '@momentum/outbox';
import type { DataSource } from 'typeorm';
import {
  SERVICE_PLATFORM_OPTIONS,
  type ServicePlatformOptions,
} from '../platform/service-platform-options.js';

/** Above this age the oldest unsent message means the relay is stuck or the broker unreachable. */
const STALE_AFTER_MS = 60_000;

/** `outbox`: messages committed but not yet sent, and the age of the oldest. */
@Injectable()
export class OutboxBacklogIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(OUTBOX_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SERVICE_PLATFORM_OPTIONS) private readonly options: ServicePlatformOptions,
  ) {}

  async check() {
    const session = this.indicators.check('outbox');
    try {
      const [row] = (await this.dataSource.query(
        `SELECT count(*)::int AS backlog,
                coalesce(extract(epoch FROM now() - min(created_at)) * 1000, 0)::int AS "oldestAgeMs"
           FROM "${this.options.schema.schema}".outgoing`,
      )) as { backlog: number; oldestAgeMs: number }[];
      const status = { backlog: row!.backlog, oldestAgeMs: row!.oldestAgeMs };
      return status.oldestAgeMs > STALE_AFTER_MS ? session.down(status) : session.up(status);
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
