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
import { type AuthenticatedUser, CurrentUser, JwtAuthGuard } from '../../identity';
import { Idempotent } from '../../idempotency';
import { type ProjectView, ProjectsService } from '../projects.service';
import { IF_MATCH, ifMatchOf, withEtag } from '../../../platform/http/representation';
import { actorOf } from './representation';
import { CreateProjectDto, ProjectDto, ProjectListQueryDto, UpdateProjectDto } from './workspace.dto';

@ApiTags('projects')
@ApiBearerAuth('bearer')
@Controller('projects')
@UseGuards(JwtAuthGuard)
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Get()
  @ApiOperation({ operationId: 'projectsList', summary: 'Your projects (admins: everyone’s), newest first' })
  @ApiPageResponse(ProjectDto)
  @ProblemResponses(401)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ProjectListQueryDto): Promise<Page<ProjectView>> {
    return this.projects.list(actorOf(user), { q: query.q, status: query.status, owner_id: query.owner_id }, query);
  }

  @Post()
  @Idempotent()
  @ApiOperation({ operationId: 'projectsCreate', summary: 'Create a project owned by you' })
  @ApiCreatedResponse({ type: ProjectDto })
  @ProblemResponses(401)
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateProjectDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProjectView> {
    const view = await this.projects.create(actorOf(user), {
      name: body.name,
      description: body.description,
      status: body.status,
    });
    return withEtag(reply, view, request);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'projectsGet', summary: 'One project (strong ETag; If-None-Match gives 304)' })
  @ApiOkResponse({ type: ProjectDto })
  @ProblemResponses(401, 404)
  get(@CurrentUser() user: AuthenticatedUser, @UuidParam() id: string): Promise<ProjectView> {
    return this.projects.get(actorOf(user), id);
  }

  @Patch(':id')
  @Idempotent()
  @ApiOperation({ operationId: 'projectsUpdate', summary: 'Change some of a project’s fields (honours If-Match)' })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: ProjectDto, description: 'The new representation; its ETag is in the ETag header' })
  @ProblemResponses(401, 404, 412)
  async update(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam() id: string,
    @Body() body: UpdateProjectDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProjectView> {
    const patch = { name: body.name, description: body.description, status: body.status };
    return withEtag(reply, await this.projects.update(actorOf(user), id, patch, ifMatchOf(request)));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'projectsDelete', summary: 'Delete a project (honours If-Match)' })
  @ApiHeader(IF_MATCH)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ProblemResponses(401, 404, 412)
  async remove(@CurrentUser() user: AuthenticatedUser, @UuidParam() id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.projects.remove(actorOf(user), id, ifMatchOf(request));
  }
}
