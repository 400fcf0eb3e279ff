import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventHandler, MessageContext } from '@momentum/messaging';
import { OrderCreatedIntegrationEvent } from '../../../shared/src/contracts/order-created.integration-event.js';
import { PaymentCompleted } from '../../../shared/src/contracts/payment-completed.integration-event.js';
import { PaymentFailed } from '../../../shared/src/contracts/payment-failed.integration-event.js';
import { Invoice } from './invoice.entity.js';
import { InvoiceStore } from './invoice-store.js';

/** Orders up to this total are charged; larger ones are declined. */
export const PAYMENT_LIMIT = 10_000;

/**
 * Invoices every new order and decides its payment. Runs in the durable inbox's transaction: the
 * invoice, the payment event (an outbox row) and the inbox mark commit together, so a redelivered
 * `OrderCreated` is discarded instead of invoiced twice.
 */
@Injectable()
export class OrderBillingHandler {
  private readonly logger = new Logger('Billing');

  constructor(private readonly invoices: InvoiceStore) {}

  @EventHandler()
  async bill(event: OrderCreatedIntegrationEvent, context: MessageContext): Promise<void> {
    const paid = event.totalAmount <= PAYMENT_LIMIT;
    const invoice = Object.assign(new Invoice(), {
      invoiceId: randomUUID(),
      tenantId: event.tenantId,
      orderId: event.orderId,
      customerId: event.customerId,
      amount: event.totalAmount,
      status: paid ? ('paid' as const) : ('declined' as const),
    });
    await this.invoices.insert(invoice);
    const { tenantId, orderId, invoiceId, amount } = invoice;
    await context.bus.publish(
      paid
        ? new PaymentCompleted(tenantId, orderId, invoiceId, amount)
        : new PaymentFailed(
            tenantId,
            orderId,
            invoiceId,
            amount,
            `total ${amount} exceeds the limit of ${PAYMENT_LIMIT}`,
          ),
    );
    this.logger.log(`order ${orderId} (tenant ${tenantId}): invoice ${invoiceId} ${invoice.status}`);
  }
}
