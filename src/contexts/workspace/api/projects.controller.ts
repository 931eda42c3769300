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
import { ApiPageResponse, type Page } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { JwtAuthGuard } from '../../identity';
import { ApiTenantHeader, CurrentTenantCaller, type TenantCaller } from '../../tenancy';
import { Idempotent } from '../../idempotency';
import { type ProjectView, ProjectsService } from '../projects.service';
import { IF_MATCH, ifMatchOf, withEtag } from '../../../platform/http/representation';
import { CreateProjectDto, ProjectDto, ProjectListQueryDto, UpdateProjectDto } from './workspace.dto';

@ApiTags('projects')
@ApiBearerAuth('bearer')
@ApiTenantHeader()
@Controller('projects')
@UseGuards(JwtAuthGuard)
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Get()
  @ApiOperation({ operationId: 'projectsList', summary: 'The tenant’s projects, newest first' })
  @ApiPageResponse(ProjectDto)
  @ProblemResponses(401, 403, 404)
  list(@CurrentTenantCaller() caller: TenantCaller, @Query() query: ProjectListQueryDto): Promise<Page<ProjectView>> {
    return this.projects.list(caller, { q: query.q, status: query.status, owner_id: query.owner_id }, query);
  }

  @Post()
  @Idempotent({ atomic: true })
  @ApiOperation({ operationId: 'projectsCreate', summary: 'Create a project in the tenant, owned by you' })
  @ApiCreatedResponse({ type: ProjectDto })
  @ProblemResponses(401, 403, 404)
  async create(
    @CurrentTenantCaller() caller: TenantCaller,
    @Body() body: CreateProjectDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProjectView> {
    const view = await this.projects.create(caller, {
      name: body.name,
      description: body.description,
      status: body.status,
    });
    return withEtag(reply, view, request);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'projectsGet', summary: 'One project (strong ETag; If-None-Match gives 304)' })
  @ApiOkResponse({ type: ProjectDto })
  @ProblemResponses(401, 403, 404)
  get(@CurrentTenantCaller() caller: TenantCaller, @UuidParam() id: string): Promise<ProjectView> {
    return this.projects.get(caller, id);
  }

  @Patch(':id')
  @Idempotent({ atomic: true })
  @ApiOperation({ operationId: 'projectsUpdate', summary: 'Change some of a project’s fields (honours If-Match)' })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: ProjectDto, description: 'The new representation; its ETag is in the ETag header' })
  @ProblemResponses(401, 403, 404, 412)
  async update(
    @CurrentTenantCaller() caller: TenantCaller,
    @UuidParam() id: string,
    @Body() body: UpdateProjectDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProjectView> {
    const patch = { name: body.name, description: body.description, status: body.status };
    return withEtag(reply, await this.projects.update(caller, id, patch, ifMatchOf(request)));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'projectsDelete', summary: 'Delete a project (honours If-Match)' })
  @ApiHeader(IF_MATCH)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ProblemResponses(401, 403, 404, 412)
  async remove(
    @CurrentTenantCaller() caller: TenantCaller,
    @UuidParam() id: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.projects.remove(caller, id, ifMatchOf(request));
  }
}
