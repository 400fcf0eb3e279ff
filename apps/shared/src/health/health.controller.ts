import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { TenantAgnostic } from '@momentum/tenancy';
import { BrokerIndicator } from './broker.indicator.js';
import { DatabaseIndicator } from './database.indicator.js';
import { OutboxBacklogIndicator } from './outbox-backlog.indicator.js';

/** `GET /health`: database, broker and outbox backlog; 503 when one is down. */
@TenantAgnostic()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseIndicator,
    private readonly broker: BrokerIndicator,
    private readonly outbox: OutboxBacklogIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.database.check(),
      () => this.broker.check(),
      () => this.outbox.check(),
    ]);
  }
}
