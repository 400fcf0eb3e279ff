import { IsNumber, IsUUID } from 'class-validator';
import { EventTopic, PartitionKey } from '@momentum/messaging';

/** Integration event: billing charged an order. Published by billing, consumed by orders. */
@EventTopic('app_domain.billing.payment-completed')
export class PaymentCompleted {
  @IsUUID() @PartitionKey() readonly tenantId: string;
  @IsUUID() readonly orderId: string;
  @IsUUID() readonly invoiceId: string;
  @IsNumber() readonly amount: number;

  constructor(tenantId: string, orderId: string, invoiceId: string, amount: number) {
    this.tenantId = tenantId;
    this.orderId = orderId;
    this.invoiceId = invoiceId;
    this.amount = amount;
  }
}
