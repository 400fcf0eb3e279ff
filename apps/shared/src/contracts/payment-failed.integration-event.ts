import { IsNumber, IsString, IsUUID } from 'class-validator';
import { EventTopic, PartitionKey } from '@momentum/messaging';

/** Integration event: billing declined an order. Published by billing, consumed by orders. */
@EventTopic('app_domain.billing.payment-failed')
export class PaymentFailed {
  @IsUUID() @PartitionKey() readonly tenantId: string;
  @IsUUID() readonly orderId: string;
  @IsUUID() readonly invoiceId: string;
  @IsNumber() readonly amount: number;
  @IsString() readonly reason: string;

  constructor(tenantId: string, orderId: string, invoiceId: string, amount: number, reason: string) {
    this.tenantId = tenantId;
    this.orderId = orderId;
    this.invoiceId = invoiceId;
    this.amount = amount;
    this.reason = reason;
  }
}
