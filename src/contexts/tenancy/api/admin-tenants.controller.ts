import { Body, Controller, Get, Patch, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiPageResponse, type Page } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { type AuthenticatedUser, CurrentUser, JwtAuthGuard, Roles, RolesGuard } from '../../identity';
import { Idempotent } from '../../idempotency';
import { AdminTenantsService } from '../admin-tenants.service';
import type { AdminTenantView } from '../tenant-view';
import { IF_MATCH, ifMatchOf, withEtag } from '../../../platform/http/representation';
import { AdminTenantDto, AdminTenantListQueryDto, UpdateAdminTenantDto } from './tenancy.dto';

/** Platform admins operate every tenant (status, quotas); they do not read tenants' data here. */
@ApiTags('tenancy')
@ApiBearerAuth('bearer')
@Controller('admin/tenants')
@UseGuards(JwtAuthGuard, RolesGuard)
@Roles('admin')
export class AdminTenantsController {
  constructor(private readonly tenants: AdminTenantsService) {}

  @Get()
  @ApiOperation({ operationId: 'adminTenantsList', summary: 'Every tenant with its member count, newest first (admin)' })
  @ApiPageResponse(AdminTenantDto)
  @ProblemResponses(401, 403)
  list(@Query() query: AdminTenantListQueryDto): Promise<Page<AdminTenantView>> {
    return this.tenants.list(query);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'adminTenantsGet', summary: 'One tenant with its member count (admin; strong ETag)' })
  @ApiOkResponse({ type: AdminTenantDto })
  @ProblemResponses(401, 403, 404)
  get(@UuidParam() id: string): Promise<AdminTenantView> {
    return this.tenants.get(id);
  }

  @Patch(':id')
  @Idempotent()
  @ApiOperation({
    operationId: 'adminTenantsUpdate',
    summary: 'Suspend or reactivate a tenant, set its quotas (admin); honours If-Match',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: AdminTenantDto, description: 'The new representation; its ETag is in the ETag header' })
  @ProblemResponses(401, 403, 404, 412)
  async update(
    @CurrentUser() admin: AuthenticatedUser,
    @UuidParam() id: string,
    @Body() body: UpdateAdminTenantDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AdminTenantView> {
    const view = await this.tenants.update(admin.id, id, { status: body.status, quotas: body.quotas }, ifMatchOf(request));
    return withEtag(reply, view);
  }
}
