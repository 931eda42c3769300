import { Body, Controller, Get, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiEventStream, Streams } from '../../../platform/live';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page } from '../../../platform/http/pagination';
import { ProblemResponses, PublicEndpoint } from '../../../platform/openapi/problem-responses';
import { type AuthenticatedUser, CurrentUser, JwtAuthGuard, Roles, RolesGuard } from '../../identity';
import { Idempotent } from '../../idempotency';
import { StatusFeed } from '../status.feed';
import { type StatusEventView, StatusService, type StatusSummaryView } from '../status.service';
import { PostStatusEventDto, StatusEventDto, StatusEventsQueryDto, StatusSummaryDto } from './status.dto';

@ApiTags('status')
@Controller('status')
export class StatusController {
  constructor(
    private readonly status: StatusService,
    private readonly feed: StatusFeed,
    private readonly streams: Streams,
  ) {}

  @Get()
  @PublicEndpoint()
  @ApiOperation({
    operationId: 'statusCurrent',
    summary: 'The status page: each service’s latest status and the overall one (public)',
  })
  @ApiOkResponse({ type: StatusSummaryDto })
  @ProblemResponses()
  current(): Promise<StatusSummaryView> {
    return this.status.current();
  }

  @Get('stream')
  @PublicEndpoint()
  @ApiOperation({
    operationId: 'statusStream',
    summary: 'The status roll-up now, then every change (public; for status pages)',
  })
  @ApiEventStream('`event: status` with the same body as GET /status, first at once, then on every change.')
  @ProblemResponses(429)
  async stream(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const stream = this.streams.openSse(request, reply, 'status', null);
    try {
      stream.onClose(await this.feed.subscribe((summary) => stream.send('status', summary)));
    } catch {
      stream.end('error'); // the roll-up could not be read: the client reconnects
    }
  }

  @Get('events')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'statusListEvents', summary: 'Posted status events, newest first' })
  @ApiPageResponse(StatusEventDto)
  @ProblemResponses(401)
  list(@Query() query: StatusEventsQueryDto): Promise<Page<StatusEventView>> {
    return this.status.list({ service: query.service }, query);
  }

  @Post('events')
  @Idempotent()
  @UseGuards(JwtAuthGuard, RolesGuard)
  @Roles('admin')
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'statusPostEvent', summary: 'Post a service’s new status (admin)' })
  @ApiCreatedResponse({ type: StatusEventDto })
  @ProblemResponses(401, 403)
  post(@CurrentUser() user: AuthenticatedUser, @Body() body: PostStatusEventDto): Promise<StatusEventView> {
    return this.status.post({ service: body.service, status: body.status, message: body.message }, user.id);
  }
}
