import { IsUUID } from 'class-validator';
import { Command } from '@momentum/messaging';

/** Cancels an order that is not paid yet; answered with `Result<Order>` (`not_found`, `conflict`). */
@Command({ type: 'orders.cancel-order' })
export class CancelOrder {
  @IsUUID() tenantId!: string;
  @IsUUID() orderId!: string;
}
