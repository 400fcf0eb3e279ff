import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { TenantContext } from '@momentum/tenancy';
import { InvoiceStore } from './invoice-store.js';

/** The billing HTTP API; every route needs an `x-tenant-id` header. */
@Controller('invoices')
export class InvoicesController {
  constructor(
    private readonly invoices: InvoiceStore,
    private readonly tenants: TenantContext,
  ) {}

  @Get()
  async list(@Query('orderId') orderId?: string) {
    if (orderId !== undefined && !isUUID(orderId)) throw new BadRequestException('orderId must be a UUID');
    const invoices = await this.invoices.list(this.tenants.require(), orderId);
    return invoices.map(({ invoiceId, orderId, customerId, amount, status, createdAt }) => ({
      invoiceId,
      orderId,
      customerId,
      amount,
      status,
      createdAt,
    }));
  }
}
