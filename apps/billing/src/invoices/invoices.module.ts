import { Module } from '@nestjs/common';
import { InvoiceStore } from './invoice-store.js';
import { InvoicesController } from './invoices.controller.js';
import { OrderBillingHandler } from './order-billing.handler.js';

/** Billing: invoices for new orders and the payment decision. */
@Module({
  controllers: [InvoicesController],
  providers: [InvoiceStore, OrderBillingHandler],
})
export class InvoicesModule {}
