import { IsNumber, IsUUID, Min } from 'class-validator';
import { EventTopic, PartitionKey } from '@momentum/messaging';

/** Integration event: an order was placed. Published by orders, consumed by billing. */
@EventTopic('app_domain.orders.order-created')
export class OrderCreatedIntegrationEvent {
  @IsUUID() @PartitionKey() readonly tenantId: string;
  @IsUUID() readonly orderId: string;
  @IsUUID() readonly customerId: string;
  @IsNumber() @Min(0) readonly totalAmount: number;

  constructor(tenantId: string, orderId: string, customerId: string, totalAmount: number) {
    this.tenantId = tenantId;
    this.orderId = orderId;
    this.customerId = customerId;
    this.totalAmount = totalAmount;
  }
}
