import { Controller, Get, Headers, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ValidationFailedError } from '../../../platform/http/problem';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ApiEventStream, Streams } from '../../../platform/live';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { type AuthenticatedUser, CurrentUser, JwtAuthGuard, Roles, RolesGuard } from '../../identity';
import { TenantScopes } from '../../tenancy';
import { AuditFeed, type AuditRowFilter } from '../infra/audit.feed';

/** `Last-Event-ID`: an audit seq to resume after, or undefined. */
export function resumePoint(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  if (!/^\d{1,15}$/.test(header)) {
    throw new ValidationFailedError([
      { field: 'Last-Event-ID', code: 'invalid', message: 'Last-Event-ID must be an audit sequence number.' },
    ]);
  }
  return Number(header);
}

/** `?type=a,b`: the event types to keep, or undefined for all. A repeated `type` is a 400 (it used to be a 500). */
export function typeFilter(type: unknown): ReadonlySet<string> | undefined {
  if (type !== undefined && typeof type !== 'string') {
    throw new ValidationFailedError([
      { field: 'type', code: 'invalid', message: 'Give type once, as a comma-separated list (type=a,b).' },
    ]);
  }
  if (type === undefined || type.trim() === '') return undefined;
  const types = type
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (types.length > 50 || types.some((t) => t.length > 100)) {
    throw new ValidationFailedError([{ field: 'type', code: 'invalid', message: 'At most 50 types of at most 100 characters.' }]);
  }
  return new Set(types);
}

/** Live audit feeds over Server-Sent Events (docs/operations.md, "Live feeds"). */
@ApiTags('audit')
@Controller()
@UseGuards(JwtAuthGuard)
@ApiBearerAuth('bearer')
export class AuditStreamController {
  constructor(
    private readonly feed: AuditFeed,
    private readonly streams: Streams,
    private readonly scopes: TenantScopes,
  ) {}

  @Get('admin/events/stream')
  @UseGuards(RolesGuard)
  @Roles('admin')
  @ApiOperation({
    operationId: 'adminEventsStream',
    summary: 'Audit events as they are appended (admins): the same shape as GET /audit/events items, `id` = seq',
  })
  @ApiQuery({ name: 'type', required: false, description: 'Only these event types (comma-separated)' })
  @ApiEventStream('`event: audit` per audit row.', true)
  @ProblemResponses(400, 401, 403, 429)
  admin(
    @CurrentUser() user: AuthenticatedUser,
    @Query('type') type: unknown,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    this.open(request, reply, 'admin_events', user.id, { types: typeFilter(type) }, resumePoint(lastEventId));
  }

  @Get('tenants/:id/events/stream')
  @ApiOperation({
    operationId: 'tenantsEventsStream',
    summary: 'The tenant’s audit events as they are appended (tenant owners and admins), `id` = seq',
  })
  @ApiQuery({ name: 'type', required: false, description: 'Only these event types (comma-separated)' })
  @ApiEventStream('`event: audit` per audit row about the tenant.', true)
  @ProblemResponses(400, 401, 403, 404, 429)
  async tenant(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam() id: string,
    @Query('type') type: unknown,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const filter: AuditRowFilter = { types: typeFilter(type), tenantId: id.toLowerCase() };
    const after = resumePoint(lastEventId);
    const role = await this.scopes.run({ userId: user.id, header: id, sessionId: user.sessionId }, ({ tenant }) =>
      Promise.resolve(tenant.role),
    );
    if (role === 'member') throw new DomainError('forbidden', 403, 'Only the tenant’s owners and admins may follow its events.');
    this.open(request, reply, 'tenant_events', user.id, filter, after);
  }

  private open(
    request: FastifyRequest,
    reply: FastifyReply,
    feed: string,
    userId: string,
    filter: AuditRowFilter,
    after: number | undefined,
  ): void {
    const stream = this.streams.openSse(request, reply, feed, userId);
    const unsubscribe = this.feed.subscribe(after ?? null, filter, (row) => stream.send('audit', row, row.seq));
    stream.onClose(unsubscribe);
  }
}
