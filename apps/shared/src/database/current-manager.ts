import { Inject, Injectable } from '@nestjs/common';
import { OUTBOX_DATA_SOURCE, Outbox } from '@momentum/outbox';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The EntityManager to write with: the open outbox or inbox transaction's when there is one (so the
 * write commits with the messages it causes), else the DataSource's.
 */
@Injectable()
export class CurrentManager {
  constructor(
    private readonly outbox: Outbox,
    @Inject(OUTBOX_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  get(): EntityManager {
    return this.outbox.currentManager() ?? this.dataSource.manager;
  }
}
