import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiPageResponse, type Page, PaginationQueryDto } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { type AuthenticatedUser, CurrentUser, JwtAuthGuard } from '../../identity';
import { Idempotent } from '../../idempotency';
import { TenantsService } from '../tenants.service';
import type { TenantView } from '../tenant-view';
import { IF_MATCH, ifMatchOf, withEtag } from '../../../platform/http/representation';
import { CreateTenantDto, TenantDto, TenantUsageDto, UpdateTenantDto } from './tenancy.dto';
import { TenantUsage, type TenantUsageView } from '../tenant-usage.service';

/**
 * The caller's tenants. A tenant the caller is not a member of answers exactly like an
 * unknown id (404 tenant_not_found), for platform admins too; a suspended one can only be read.
 */
@ApiTags('tenancy')
@ApiBearerAuth('bearer')
@Controller('tenants')
@UseGuards(JwtAuthGuard)
export class TenantsController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly usageOf: TenantUsage,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({ operationId: 'tenantsCreate', summary: 'Create a tenant; you become its owner' })
  @ApiCreatedResponse({ type: TenantDto, description: 'The new tenant (ETag and Location headers)' })
  @ProblemResponses(401, 409)
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateTenantDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TenantView> {
    return withEtag(reply, await this.tenants.create(user.id, { name: body.name, slug: body.slug }), request);
  }

  @Get()
  @ApiOperation({
    operationId: 'tenantsList',
    summary: 'Your tenants with your role in each: your personal tenant first, then by name',
  })
  @ApiPageResponse(TenantDto)
  @ProblemResponses(401)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: PaginationQueryDto): Promise<Page<TenantView>> {
    return this.tenants.list(user.id, query);
  }

  @Get(':id/usage')
  @ApiOperation({
    operationId: 'tenantsUsage',
    summary: 'What the tenant uses now (members, projects, stored bytes, requests) next to its quotas; any member',
  })
  @ApiOkResponse({ type: TenantUsageDto })
  @ProblemResponses(401, 403, 404, 429)
  usage(@CurrentUser() user: AuthenticatedUser, @UuidParam() id: string): Promise<TenantUsageView> {
    return this.usageOf.usage(user.id, id, user.sessionId);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'tenantsGet', summary: 'One of your tenants, with your role (strong ETag)' })
  @ApiOkResponse({ type: TenantDto })
  @ProblemResponses(401, 404)
  get(@CurrentUser() user: AuthenticatedUser, @UuidParam() id: string): Promise<TenantView> {
    return this.tenants.get(user.id, id);
  }

  @Patch(':id')
  @Idempotent()
  @ApiOperation({
    operationId: 'tenantsUpdate',
    summary: 'Rename (owners, admins) or configure (owners) a tenant; honours If-Match',
    description: 'Quotas are set by platform admins (`PATCH /admin/tenants/{id}`); sending them here is a 400.',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: TenantDto, description: 'The new representation; its ETag is in the ETag header' })
  @ProblemResponses(401, 403, 404, 412)
  async update(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam() id: string,
    @Body() body: UpdateTenantDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TenantView> {
    const view = await this.tenants.update(user.id, id, { name: body.name, settings: body.settings }, ifMatchOf(request));
    return withEtag(reply, view);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'tenantsDelete',
    summary: 'Delete a tenant and its memberships (owners; not your personal tenant); honours If-Match',
  })
  @ApiHeader(IF_MATCH)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ProblemResponses(401, 403, 404, 409, 412)
  async remove(@CurrentUser() user: AuthenticatedUser, @UuidParam() id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.tenants.remove(user.id, id, ifMatchOf(request));
  }
}
