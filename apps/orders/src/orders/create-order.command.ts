import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsInt,
  IsNumber,
  IsPositive,
  IsString,
  IsUUID,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Command } from '@momentum/messaging';

/** One line of a {@link CreateOrder} command. */
export class CreateOrderLine {
  @IsString() @MinLength(1) sku!: string;
  @IsInt() @IsPositive() quantity!: number;
  @IsNumber() @Min(0) unitPrice!: number;
}

/** Places an order for a customer; answered with `Result<Order>`. */
@Command({ type: 'orders.create-order' })
export class CreateOrder {
  @IsUUID() tenantId!: string;
  @IsUUID() customerId!: string;
  @ValidateNested({ each: true })
  @ArrayMinSize(1)
  @Type(() => CreateOrderLine)
  items!: CreateOrderLine[];
}
