import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  buildMessage,
  IsInt,
  IsNumber,
  IsPositive,
  IsString,
  IsUUID,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { Command } from '@momentum/messaging';
import { MAX_ORDER_TOTAL } from '../../../shared/src/contracts/order-created.integration-event.js';

/** Most items of one SKU in an order line. */
export const MAX_QUANTITY = 1_000_000;

/** Highest unit price an order line may have. */
export const MAX_UNIT_PRICE = 1_000_000;

/** One line of a {@link CreateOrder} command. */
export class CreateOrderLine {
  @IsString() @MinLength(1) sku!: string;
  @IsInt() @IsPositive() @Max(MAX_QUANTITY) quantity!: number;
  @IsNumber()
  @Min(0)
  @Max(MAX_UNIT_PRICE)
  @HasCents()
  unitPrice!: number;
}

/** Places an order for a customer; answered with `Result<Order>`. */
@Command({ type: 'orders.create-order' })
export class CreateOrder {
  @IsUUID() tenantId!: string;
  @IsUUID() customerId!: string;
  @ValidateNested({ each: true })
  @ArrayMinSize(1)
  @TotalWithinLimit()
  @Type(() => CreateOrderLine)
  items!: CreateOrderLine[];
}

/** The order's total: each line's quantity × unit price, summed and rounded to cents. */
export function orderTotal(items: readonly { quantity: number; unitPrice: number }[]): number {
  const total = items.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
  return Math.round(total * 100) / 100;
}

/**
 * At most two decimals. Not `IsNumber({ maxDecimalPlaces: 2 })`: it throws on numbers that print in
 * exponent form (`1e-7`), which would answer 500 instead of 400.
 */
function HasCents(): PropertyDecorator {
  return ValidateBy({
    name: 'hasCents',
    validator: {
      validate: (value) =>
        typeof value !== 'number' || Math.abs(value * 100 - Math.round(value * 100)) < 1e-6,
      defaultMessage: buildMessage((each) => `${each}$property must have at most 2 decimal places`),
    },
  });
}

/**
 * The order's total fits billing's invoice amount. Lines that are not numbers are left to their own
 * rules, so they are reported once.
 */
function TotalWithinLimit(): PropertyDecorator {
  return ValidateBy({
    name: 'totalWithinLimit',
    validator: {
      validate: (items) => {
        if (!Array.isArray(items)) return true;
        const total = orderTotal(items as CreateOrderLine[]);
        return Number.isNaN(total) || total <= MAX_ORDER_TOTAL;
      },
      defaultMessage: () =>
        `the order total (quantity × unitPrice of every item) must be at most ${MAX_ORDER_TOTAL}`,
    },
  });
}
