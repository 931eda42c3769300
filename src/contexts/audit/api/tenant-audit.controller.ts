import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page } from '../../../platform/http/pagination';
import { DomainError } from '../../../platform/http/problem';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { type AuthenticatedUser, CurrentUser, JwtAuthGuard } from '../../identity';
import { TenantScopes } from '../../tenancy';
import { type AuditEventView, AuditService } from '../audit.service';
import { AuditEventDto, TenantAuditEventsQueryDto } from './audit.dto';

/**
 * A tenant's own audit view, for its owners and admins: the rows about the tenant (its
 * tenancy events, and the events of its projects, tickets, posts and files), nothing else.
 */
@ApiTags('audit')
@Controller('tenants')
@UseGuards(JwtAuthGuard)
@ApiBearerAuth('bearer')
export class TenantAuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly scopes: TenantScopes,
  ) {}

  @Get(':id/audit/events')
  @ApiOperation({
    operationId: 'tenantsAuditEvents',
    summary: 'The tenant’s audit events, newest first, filtered by type, actor and time window (tenant owners and admins)',
  })
  @ApiPageResponse(AuditEventDto)
  @ProblemResponses(401, 403, 404)
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam() id: string,
    @Query() query: TenantAuditEventsQueryDto,
  ): Promise<Page<AuditEventView>> {
    // Like every tenant route: 404 for strangers, 403 when suspended, the tenant's settings apply.
    const role = await this.scopes.run({ userId: user.id, header: id, sessionId: user.sessionId }, ({ tenant }) =>
      Promise.resolve(tenant.role),
    );
    if (role === 'member')
      throw new DomainError('forbidden', 403, 'Only the tenant’s owners and admins may read its audit events.');
    return this.audit.query(
      {
        tenantId: id.toLowerCase(),
        type: query.type,
        actorId: query.actor_id?.toLowerCase(),
        from: query.from === undefined ? undefined : new Date(query.from),
        to: query.to === undefined ? undefined : new Date(query.to),
      },
      query,
    );
  }
}
