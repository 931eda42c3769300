import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiPageResponse, type Page, PaginationQueryDto } from '../../../platform/http/pagination';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { RateLimitTier } from '../../../platform/rate-limit';
import { Idempotent } from '../../idempotency';
import { SessionsService, type SessionView } from '../../sessions';
import { AuthService, type TokenPair, type UserView } from '../auth.service';
import { AuthError } from '../domain/auth.errors';
import {
  ChangePasswordDto,
  LogoutRequestDto,
  RefreshRequestDto,
  RegisterDto,
  RevokedCountDto,
  SessionDto,
  TokenRequestDto,
  TokenResponseDto,
  UserDto,
} from './auth.dto';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { clientInfo } from './client-info';
import { JwtAuthGuard, OptionalJwtAuthGuard, Roles, RolesGuard, SessionRequired } from './guards';
import { LoginThrottleInterceptor } from './login-throttle.interceptor';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
  ) {}

  @Post('register')
  @RateLimitTier('register')
  @ApiOperation({ operationId: 'authRegister', summary: 'Create an account' })
  @ApiCreatedResponse({ type: UserDto })
  @ProblemResponses(409, 429)
  register(@Body() body: RegisterDto, @Req() request: FastifyRequest): Promise<UserView> {
    return this.auth.register(
      { email: body.email, password: body.password, displayName: body.display_name },
      clientInfo(request),
    );
  }

  @Post('token')
  @HttpCode(200)
  @RateLimitTier('token')
  @UseInterceptors(LoginThrottleInterceptor)
  @ApiOperation({
    operationId: 'authToken',
    summary: 'Log in with email and password, plus totp_code or recovery_code when MFA is on',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ProblemResponses(401, 429)
  token(@Body() body: TokenRequestDto, @Req() request: FastifyRequest): Promise<TokenPair> {
    return this.auth.login(body, clientInfo(request));
  }

  @Post('refresh')
  @HttpCode(200)
  @RateLimitTier('refresh')
  @ApiOperation({ operationId: 'authRefresh', summary: 'Rotate the refresh token and get a new access token' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ProblemResponses(401, 429)
  refresh(@Body() body: RefreshRequestDto, @Req() request: FastifyRequest): Promise<TokenPair> {
    return this.auth.refresh(body.refresh_token, clientInfo(request));
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ operationId: 'authLogout', summary: 'End the current session (bearer token, or the given refresh token)' })
  @ApiNoContentResponse({ description: 'Session revoked' })
  @ApiBearerAuth('bearer')
  @ProblemResponses(401)
  @UseGuards(OptionalJwtAuthGuard)
  async logout(@Body() body: LogoutRequestDto, @Req() request: FastifyRequest & { user?: AuthenticatedUser }): Promise<void> {
    const bearer = request.user;
    if (bearer?.sessionId) {
      await this.sessions.revoke(bearer.sessionId, bearer.id, 'logout');
      return;
    }
    if (body?.refresh_token) {
      await this.sessions.revokeByRefreshToken(body.refresh_token, 'logout');
      return;
    }
    throw AuthError.unauthenticated();
  }

  @Get('me')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'authMe', summary: 'The calling user' })
  @ApiOkResponse({ type: UserDto })
  @ProblemResponses(401)
  me(@CurrentUser() user: AuthenticatedUser): Promise<UserView> {
    return this.auth.me(user.id);
  }

  @Post('password')
  @HttpCode(204)
  @UseGuards(JwtAuthGuard)
  @SessionRequired()
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'authChangePassword', summary: 'Change the password; every other session is revoked' })
  @ApiNoContentResponse({ description: 'Password changed' })
  @ProblemResponses(401)
  async changePassword(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: ChangePasswordDto,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.auth.changePassword(user.id, user.sessionId!, body.current_password, body.new_password, clientInfo(request));
  }

  @Get('sessions')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'authListSessions', summary: 'Your active sessions, newest first' })
  @ApiPageResponse(SessionDto)
  @ProblemResponses(401)
  listSessions(@CurrentUser() user: AuthenticatedUser, @Query() query: PaginationQueryDto): Promise<Page<SessionView>> {
    return this.sessions.list(user.id, user.sessionId, query);
  }

  @Post('sessions/revoke-others')
  @HttpCode(200)
  @Idempotent()
  @UseGuards(JwtAuthGuard)
  @SessionRequired()
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'authRevokeOtherSessions', summary: 'Revoke every session except the current one' })
  @ApiOkResponse({ type: RevokedCountDto })
  @ProblemResponses(401)
  async revokeOthers(@CurrentUser() user: AuthenticatedUser): Promise<RevokedCountDto> {
    return { revoked: await this.sessions.revokeAllForUser(user.id, 'user_revoked_others', user.sessionId!) };
  }

  @Post('sessions/:id/revoke')
  @HttpCode(204)
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'authRevokeSession', summary: 'Revoke one of your sessions' })
  @ApiNoContentResponse({ description: 'Session revoked' })
  @ProblemResponses(401, 404)
  async revokeSession(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe({ version: '4' })) id: string,
  ): Promise<void> {
    await this.sessions.revoke(id, user.id);
  }

  @Post('users/:id/unlock')
  @HttpCode(204)
  @UseGuards(JwtAuthGuard, RolesGuard)
  @Roles('admin')
  @ApiBearerAuth('bearer')
  @ApiOperation({
    operationId: 'authUnlockUser',
    summary: 'Lift a login lockout now (admin); the failure streak and lockout level start over',
  })
  @ApiNoContentResponse({ description: 'The account may log in again' })
  @ProblemResponses(401, 403, 404)
  async unlock(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe({ version: '4' })) id: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.auth.unlock(id, admin.id, clientInfo(request));
  }
}
