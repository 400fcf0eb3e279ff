import { IsNumber, IsUUID, Min } from 'class-validator';
import { EventTopic, PartitionKey } from '@momentum/messaging';

/**
 * Largest order total billing can invoice (its invoice amount is `numeric(12, 2)`); orders refuses
 * larger orders. Not a rule of the event: a record above it is a producer's bug, dead-lettered by
 * billing's database and replayable once the column is widened.
 */
export const MAX_ORDER_TOTAL = 9_999_999_999.99;

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
