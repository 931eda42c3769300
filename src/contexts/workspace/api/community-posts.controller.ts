import { Body, Controller, Get, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiPageResponse, type Page } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { JwtAuthGuard } from '../../identity';
import { ApiTenantHeader, CurrentTenantCaller, type TenantCaller } from '../../tenancy';
import { Idempotent } from '../../idempotency';
import { type CommunityPostView, CommunityPostsService } from '../community-posts.service';
import { withEtag } from '../../../platform/http/representation';
import { CommunityPostDto, CommunityPostListQueryDto, CreateCommunityPostDto } from './workspace.dto';

@ApiTags('community')
@ApiBearerAuth('bearer')
@ApiTenantHeader()
@Controller('community/posts')
@UseGuards(JwtAuthGuard)
export class CommunityPostsController {
  constructor(private readonly posts: CommunityPostsService) {}

  @Get()
  @ApiOperation({ operationId: 'communityPostsList', summary: 'The tenant’s community posts, newest first' })
  @ApiPageResponse(CommunityPostDto)
  @ProblemResponses(401, 403, 404)
  list(@CurrentTenantCaller() caller: TenantCaller, @Query() query: CommunityPostListQueryDto): Promise<Page<CommunityPostView>> {
    return this.posts.list(caller, { q: query.q, author_id: query.author_id }, query);
  }

  @Post()
  @Idempotent({ atomic: true })
  @ApiOperation({ operationId: 'communityPostsCreate', summary: 'Publish a community post' })
  @ApiCreatedResponse({ type: CommunityPostDto })
  @ProblemResponses(401, 403, 404)
  async create(
    @CurrentTenantCaller() caller: TenantCaller,
    @Body() body: CreateCommunityPostDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommunityPostView> {
    return withEtag(reply, await this.posts.create(caller, { title: body.title, body: body.body }), request);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'communityPostsGet', summary: 'One community post (strong ETag; If-None-Match gives 304)' })
  @ApiOkResponse({ type: CommunityPostDto })
  @ProblemResponses(401, 403, 404)
  get(@CurrentTenantCaller() caller: TenantCaller, @UuidParam() id: string): Promise<CommunityPostView> {
    return this.posts.get(caller, id);
  }
}
