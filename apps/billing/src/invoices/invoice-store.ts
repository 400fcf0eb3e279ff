import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CurrentManager } from '../../../shared/src/database/current-manager.js';
import { Invoice } from './invoice.entity.js';

/** Invoices; writes go through the transaction in progress (the inbox's, when consuming). */
@Injectable()
export class InvoiceStore {
  constructor(private readonly current: CurrentManager) {}

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
    return this.current.get();
  }
}
