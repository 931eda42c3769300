import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { JwtAuthGuard, Roles, RolesGuard } from '../../identity';
import { AuditService } from '../audit.service';
import { AdminLogsDto, AdminLogsQueryDto } from './audit.dto';

/** The admin log viewer's feed: the tail of the audit trail as parsed JSON lines. */
@ApiTags('audit')
@Controller('admin')
@UseGuards(JwtAuthGuard, RolesGuard)
@Roles('admin')
@ApiBearerAuth('bearer')
export class AdminLogsController {
  constructor(private readonly audit: AuditService) {}

  @Get('logs')
  @ApiOperation({
    operationId: 'adminLogs',
    summary: 'The last N audit events (N ≤ 1000, default 100), oldest first, as parsed JSON lines (admin)',
  })
  @ApiOkResponse({ type: AdminLogsDto })
  @ProblemResponses(401, 403)
  async logs(@Query() query: AdminLogsQueryDto): Promise<AdminLogsDto> {
    return { items: await this.audit.tail(query.limit) };
  }
}
