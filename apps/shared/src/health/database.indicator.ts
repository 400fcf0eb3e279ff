import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { OUTBOX_DATA_SOURCE } from '@momentum/outbox';
import type { DataSource } from 'typeorm';

/** `database`: the service's database answers a query. */
@Injectable()
export class DatabaseIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(OUTBOX_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  async check() {
    const session = this.indicators.check('database');
    try {
      await this.dataSource.query('SELECT 1');
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
