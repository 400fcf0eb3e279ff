import { Module } from '@nestjs/common';
import { CurrentManager } from '../../../shared/src/database/current-manager.js';
import { InvoiceStore } from './invoice-store.js';
import { InvoicesController } from './invoices.controller.js';
import { OrderBillingHandler } from './order-billing.handler.js';

/** Billing: invoices for new orders and the payment decision. */
@Module({
  controllers: [InvoicesController],
  providers: [CurrentManager, InvoiceStore, OrderBillingHandler],
})
export class InvoicesModule {}
