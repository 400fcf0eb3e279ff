import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { isUUID } from 'class-validator';
import { MessageBus, type Result } from '@momentum/messaging';
import { CreateOrder } from './create-order.command.js';
import type { Order } from './order.js';
import { OrderRepository } from './order-repository.js';

function tenantOf(header: string | undefined): string {
  if (!header || !isUUID(header)) throw new BadRequestException('header x-tenant-id must be a UUID');
  return header;
}

/** The orders HTTP API. */
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly bus: MessageBus,
    private readonly orders: OrderRepository,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Headers('x-tenant-id') tenant: string | undefined, @Body() body: Record<string, unknown>) {
    const command = plainToInstance(CreateOrder, { ...body, tenantId: tenantOf(tenant) });
    const result = await this.bus.invoke<Result<Order>>(command);
    if (result.isFailure) throw new BadRequestException({ message: 'invalid order', errors: result.errors });
    const { orderId, status, totalAmount } = result.value;
    return { orderId, status, totalAmount };
  }

  @Get(':id')
  get(@Headers('x-tenant-id') tenant: string | undefined, @Param('id') id: string) {
    const order = this.orders.find(tenantOf(tenant), id);
    if (!order) throw new NotFoundException(`order ${id} not found`);
    const { orderId, tenantId, customerId, totalAmount, status, history } = order;
    return { orderId, tenantId, customerId, totalAmount, status, history };
  }
}
