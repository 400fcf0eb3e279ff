import { Inject, Injectable } from '@nestjs/common';
import { OUTBOX_DATA_SOURCE, Outbox } from '@momentum/outbox';
import type { DataSource, EntityManager } from 'typeorm';
import { Invoice } from './invoice.entity.js';

/** Invoices; writes go through the transaction in progress (the inbox's, when consuming). */
@Injectable()
export class InvoiceStore {
  constructor(
    private readonly outbox: Outbox,
    @Inject(OUTBOX_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  async insert(invoice: Invoice): Promise<void> {
    await this.manager().insert(Invoice, invoice);
  }

  /** The tenant's invoices, optionally of one order, oldest first. */
  list(tenantId: string, orderId?: string): Promise<Invoice[]> {
    return this.manager().find(Invoice, {
      where: { tenantId, ...(orderId ? { orderId } : {}) },
      order: { createdAt: 'ASC' },
      take: 500,
    });
  }

  private manager(): EntityManager {
    return this.outbox.currentManager() ?? this.dataSource.manager;
  }
}
