import { Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page, PaginationQueryDto } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { Idempotent } from '../../idempotency';
import { SessionsService, type SessionView } from '../sessions.service';
import { RevokedCountDto, SessionDto } from './auth.dto';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { JwtAuthGuard, SessionRequired } from './guards';

/** The caller's own sessions: see them, end one, end all the others. */
@ApiTags('auth')
@ApiBearerAuth('bearer')
@Controller('auth/sessions')
@UseGuards(JwtAuthGuard)
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOperation({ operationId: 'authListSessions', summary: 'Your active sessions, newest first' })
  @ApiPageResponse(SessionDto)
  @ProblemResponses(401)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: PaginationQueryDto): Promise<Page<SessionView>> {
    return this.sessions.list(user.id, user.sessionId, query);
  }

  @Post('revoke-others')
  @HttpCode(200)
  @Idempotent()
  @SessionRequired()
  @ApiOperation({ operationId: 'authRevokeOtherSessions', summary: 'Revoke every session except the current one' })
  @ApiOkResponse({ type: RevokedCountDto })
  // 403 session_required: an API key has no session to keep.
  @ProblemResponses(401, 403)
  async revokeOthers(@CurrentUser() user: AuthenticatedUser): Promise<RevokedCountDto> {
    return { revoked: await this.sessions.revokeAllForUser(user.id, 'user_revoked_others', user.sessionId!) };
  }

  @Post(':id/revoke')
  @HttpCode(204)
  @ApiOperation({ operationId: 'authRevokeSession', summary: 'Revoke one of your sessions' })
  @ApiNoContentResponse({ description: 'Session revoked' })
  @ProblemResponses(401, 404)
  async revoke(@CurrentUser() user: AuthenticatedUser, @UuidParam('id', { version: '4' }) id: string): Promise<void> {
    await this.sessions.revoke(id, user.id);
  }
}
