import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  UnprocessableEntityException,
} from '@nestjs/common';
import {
  DeadLetterNotFoundError,
  DeadLetterNotReplayableError,
  DeadLetters,
  type StoredDeadLetter,
  type StoredDeadLetterQuery,
} from '@momentum/outbox';
import { TenantAgnostic, TenantContext } from '@momentum/tenancy';

/** Query string of `GET /admin/dead-letters`. */
interface DeadLetterListQuery {
  readonly messageType?: string;
  readonly source?: string;
  readonly since?: string;
  readonly limit?: string;
}

/**
 * Operators' view of the service's dead letters. With an `x-tenant-id` header it is that tenant's
 * only (listing and replay); without one it covers every tenant. Put it behind your authentication
 * in production.
 */
@TenantAgnostic()
@Controller('admin/dead-letters')
export class DeadLettersController {
  constructor(
    private readonly deadLetters: DeadLetters,
    private readonly tenants: TenantContext,
  ) {}

  @Get()
  async list(@Query() query: DeadLetterListQuery, @Headers('x-tenant-id') tenantHeader?: string) {
    const letters = await this.deadLetters.list(this.filterOf(query, this.tenantOf(tenantHeader)));
    return letters.map(summaryOf);
  }

  /** With an `x-tenant-id` header, another tenant's dead letter is answered like a missing one. */
  @Post(':id/replay')
  @HttpCode(200)
  async replay(@Param('id', new ParseUUIDPipe()) id: string, @Headers('x-tenant-id') tenantHeader?: string) {
    const tenantId = this.tenantOf(tenantHeader);
    if (tenantId !== undefined && (await this.deadLetters.get(id))?.tenantId !== tenantId) {
      throw new NotFoundException(new DeadLetterNotFoundError(id).message);
    }
    try {
      await this.deadLetters.replay(id);
      return { replayed: id };
    } catch (error) {
      if (error instanceof DeadLetterNotFoundError) throw new NotFoundException(error.message);
      if (error instanceof DeadLetterNotReplayableError)
        throw new UnprocessableEntityException(error.message);
      throw error;
    }
  }

  /** The header's tenant, if one was sent. */
  private tenantOf(tenantHeader: string | undefined): string | undefined {
    // The route is tenant-agnostic, which ignores an invalid header; here that would widen the scope.
    if (tenantHeader !== undefined && this.tenants.current() === undefined) {
      throw new BadRequestException('x-tenant-id must be a valid tenant id when given');
    }
    return this.tenants.current();
  }

  private filterOf(query: DeadLetterListQuery, tenantId: string | undefined): StoredDeadLetterQuery {
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) {
      throw new BadRequestException('limit must be an integer 1-1000');
    }
    const since = query.since === undefined ? undefined : new Date(query.since);
    if (since && Number.isNaN(since.getTime())) throw new BadRequestException('since must be an ISO date');
    return {
      limit,
      ...(since ? { since } : {}),
      ...(tenantId ? { tenantId } : {}),
      ...(query.messageType ? { messageType: query.messageType } : {}),
      ...(query.source ? { source: query.source } : {}),
    };
  }
}

function summaryOf(letter: StoredDeadLetter) {
  return {
    id: letter.id,
    messageId: letter.messageId,
    messageType: letter.messageType,
    tenantId: letter.tenantId,
    correlationId: letter.correlationId,
    source: letter.source,
    topic: letter.topic,
    handler: letter.handler,
    errorType: letter.errorType,
    errorMessage: letter.errorMessage,
    attempts: letter.attempts,
    failedAt: letter.failedAt,
    replayable: letter.replayable,
    body: letter.body,
  };
}
