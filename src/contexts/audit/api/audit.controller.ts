import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page } from '../../../platform/http/pagination';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { JwtAuthGuard, Roles, RolesGuard } from '../../identity';
import { type AuditEventView, AuditService } from '../audit.service';
import { AuditEventDto, AuditEventsQueryDto } from './audit.dto';

@ApiTags('audit')
@Controller('audit')
@UseGuards(JwtAuthGuard, RolesGuard)
@Roles('admin')
@ApiBearerAuth('bearer')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('events')
  @ApiOperation({
    operationId: 'auditListEvents',
    summary: 'Audit events, newest first, filtered by type, actor and time window (admin)',
  })
  @ApiPageResponse(AuditEventDto)
  @ProblemResponses(401, 403)
  list(@Query() query: AuditEventsQueryDto): Promise<Page<AuditEventView>> {
    return this.audit.query(
      {
        type: query.type,
        actorId: query.actor_id?.toLowerCase(),
        from: query.from === undefined ? undefined : new Date(query.from),
        to: query.to === undefined ? undefined : new Date(query.to),
      },
      query,
    );
  }
}
