import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { MessageBus, type Result } from '@momentum/messaging';
import { TenantContext } from '@momentum/tenancy';
import { CancelOrder } from './cancel-order.command.js';
import { CreateOrder } from './create-order.command.js';
import { ORDER_STATUSES, type Order, type OrderStatus } from './order.entity.js';
import { OrderStore } from './order-store.js';

/** The orders HTTP API; every route needs an `x-tenant-id` header (checked by the tenancy guard). */
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly bus: MessageBus,
    private readonly orders: OrderStore,
    private readonly tenants: TenantContext,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: Record<string, unknown>) {
    const command = plainToInstance(CreateOrder, { ...body, tenantId: this.tenants.require() });
    const order = unwrap(await this.bus.invoke<Result<Order>>(command));
    return { orderId: order.orderId, status: order.status, totalAmount: order.totalAmount };
  }

  @Get()
  async list(@Query('status') status?: string) {
    if (status !== undefined && !ORDER_STATUSES.includes(status as OrderStatus)) {
      throw new BadRequestException(`status must be one of ${ORDER_STATUSES.join(', ')}`);
    }
    const orders = await this.orders.list(this.tenants.require(), status as OrderStatus | undefined);
    return orders.map(({ orderId, customerId, totalAmount, status, createdAt }) => ({
      orderId,
      customerId,
      totalAmount,
      status,
      createdAt,
    }));
  }

  @Get(':id')
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    const order = await this.orders.find(this.tenants.require(), id);
    if (!order) throw new NotFoundException(`order ${id} not found`);
    const history = await this.orders.history(order.orderId);
    const { orderId, tenantId, customerId, items, totalAmount, status } = order;
    return {
      orderId,
      tenantId,
      customerId,
      items,
      totalAmount,
      status,
      history: history.map((entry) => ({ status: entry.status, at: entry.changedAt.toISOString() })),
    };
  }

  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id', new ParseUUIDPipe()) id: string) {
    const command = plainToInstance(CancelOrder, { tenantId: this.tenants.require(), orderId: id });
    const order = unwrap(await this.bus.invoke<Result<Order>>(command));
    return { orderId: order.orderId, status: order.status };
  }
}

/** A command's value, or the HTTP error its first failure stands for. */
function unwrap<T>(result: Result<T>): T {
  if (result.isSuccess) return result.value;
  const [first] = result.errors;
  if (first?.code === 'not_found') throw new NotFoundException(first.message);
  if (first?.code === 'conflict') throw new ConflictException(first.message);
  throw new BadRequestException({ message: 'invalid request', errors: result.errors });
}
