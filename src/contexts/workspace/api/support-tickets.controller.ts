import { Body, Controller, Get, Patch, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiPageResponse, type Page } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { JwtAuthGuard } from '../../identity';
import { ApiTenantHeader, CurrentTenantCaller, type TenantCaller } from '../../tenancy';
import { Idempotent } from '../../idempotency';
import { type SupportTicketView, SupportTicketsService } from '../support-tickets.service';
import { IF_MATCH, ifMatchOf, withEtag } from '../../../platform/http/representation';
import { CreateSupportTicketDto, SupportTicketDto, SupportTicketListQueryDto, UpdateSupportTicketDto } from './workspace.dto';

@ApiTags('support')
@ApiBearerAuth('bearer')
@ApiTenantHeader()
@Controller('support/tickets')
@UseGuards(JwtAuthGuard)
export class SupportTicketsController {
  constructor(private readonly tickets: SupportTicketsService) {}

  @Get()
  @ApiOperation({ operationId: 'supportTicketsList', summary: 'The tenant’s support tickets, newest first' })
  @ApiPageResponse(SupportTicketDto)
  @ProblemResponses(401, 403, 404)
  list(@CurrentTenantCaller() caller: TenantCaller, @Query() query: SupportTicketListQueryDto): Promise<Page<SupportTicketView>> {
    const filter = { q: query.q, status: query.status, priority: query.priority, owner_id: query.owner_id };
    return this.tickets.list(caller, filter, query);
  }

  @Post()
  @Idempotent({ atomic: true })
  @ApiOperation({ operationId: 'supportTicketsCreate', summary: 'Open a support ticket (status starts open)' })
  @ApiCreatedResponse({ type: SupportTicketDto })
  @ProblemResponses(401, 403, 404)
  async create(
    @CurrentTenantCaller() caller: TenantCaller,
    @Body() body: CreateSupportTicketDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SupportTicketView> {
    const view = await this.tickets.create(caller, { subject: body.subject, body: body.body, priority: body.priority });
    return withEtag(reply, view, request);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'supportTicketsGet', summary: 'One support ticket (strong ETag; If-None-Match gives 304)' })
  @ApiOkResponse({ type: SupportTicketDto })
  @ProblemResponses(401, 403, 404)
  get(@CurrentTenantCaller() caller: TenantCaller, @UuidParam() id: string): Promise<SupportTicketView> {
    return this.tickets.get(caller, id);
  }

  @Patch(':id')
  @Idempotent({ atomic: true })
  @ApiOperation({
    operationId: 'supportTicketsUpdate',
    summary: 'Change some of a ticket’s fields, following the status workflow (honours If-Match)',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: SupportTicketDto, description: 'The new representation; its ETag is in the ETag header' })
  @ProblemResponses(401, 403, 404, 409, 412)
  async update(
    @CurrentTenantCaller() caller: TenantCaller,
    @UuidParam() id: string,
    @Body() body: UpdateSupportTicketDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SupportTicketView> {
    const patch = { subject: body.subject, body: body.body, status: body.status, priority: body.priority };
    return withEtag(reply, await this.tickets.update(caller, id, patch, ifMatchOf(request)));
  }
}
