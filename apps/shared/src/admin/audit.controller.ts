import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { AuditTrail } from '@momentum/tenancy';

/**
 * `GET /audit?correlationId=…`: the tenant's audit trail (publishes and handling outcomes), or one
 * business flow of it followed across services by its correlation id. Tenant-scoped like the API.
 */
@Controller('audit')
export class AuditController {
  constructor(private readonly trail: AuditTrail) {}

  @Get()
  async list(@Query('correlationId') correlationId?: string) {
    if (correlationId !== undefined && !isUUID(correlationId)) {
      throw new BadRequestException('correlationId must be a UUID');
    }
    await this.trail.flush();
    return this.trail.query(correlationId ? { correlationId } : {});
  }
}
