import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { platformConfig, type PlatformConfig } from '../../../platform/config';
import { ApiPageResponse, type Page, PaginationQueryDto } from '../../../platform/http/pagination';
import { DomainError } from '../../../platform/http/problem';
import { toFieldErrors, ValidationFailedError } from '../../../platform/http/validation';
import { ProblemResponses, PublicEndpoint } from '../../../platform/openapi/problem-responses';
import { RateLimitTier } from '../../../platform/rate-limit';
import { Idempotent } from '../../idempotency';
import { SessionError, SessionsService, type SessionView } from '../../sessions';
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
import {
  assertCsrf,
  assertSameOrigin,
  clearSessionCookies,
  CookieModeError,
  cookieModeRequested,
  readCookie,
  REFRESH_COOKIE,
  setSessionCookies,
} from './refresh-cookie';
import { CookieTokenResponseDto, RefreshBodyDto } from './refresh-cookie.dto';

type CookieTokens = Omit<TokenPair, 'refresh_token'> & { csrf_token: string };

const COOKIE_QUERY = {
  name: 'cookie',
  required: false,
  enum: ['1', '0'],
  description:
    'Cookie mode for browser pages of this origin: the refresh token goes in the `__Host-bastion_refresh` HttpOnly cookie ' +
    '(never in the body), with a CSRF token (`csrf_token`, cookie `__Host-bastion_csrf`); `Origin` must be this server. ' +
    'See docs/identity.md.',
} as const;
const CSRF_HEADER_DOC = {
  name: 'X-CSRF-Token',
  required: false,
  description: 'Cookie mode only (required there): the value of the `__Host-bastion_csrf` cookie',
} as const;
const TOKEN_RESPONSES = {
  description: 'JSON mode: the token pair; cookie mode (`?cookie=1`): the access token and `csrf_token`, cookies set',
  schema: { oneOf: [{ $ref: getSchemaPath(TokenResponseDto) }, { $ref: getSchemaPath(CookieTokenResponseDto) }] },
};

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    @Inject(platformConfig.KEY) private readonly config: PlatformConfig,
  ) {}

  @Post('register')
  @RateLimitTier('register')
  @PublicEndpoint()
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
  @PublicEndpoint()
  @UseInterceptors(LoginThrottleInterceptor)
  @ApiOperation({
    operationId: 'authToken',
    summary: 'Log in with email and password, plus totp_code or recovery_code when MFA is on',
  })
  @ApiQuery(COOKIE_QUERY)
  @ApiExtraModels(TokenResponseDto, CookieTokenResponseDto)
  @ApiOkResponse(TOKEN_RESPONSES)
  @ProblemResponses(401, 403, 429)
  async token(
    @Body() body: TokenRequestDto,
    @Query('cookie') cookie: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPair | CookieTokens> {
    if (!cookieModeRequested(cookie)) return this.auth.login(body, clientInfo(request));
    assertSameOrigin(request);
    return this.inCookies(reply, await this.auth.login(body, clientInfo(request)));
  }

  @Post('refresh')
  @HttpCode(200)
  @RateLimitTier('refresh')
  @PublicEndpoint()
  @ApiOperation({
    operationId: 'authRefresh',
    summary: 'Rotate the refresh token (body, or the cookie with ?cookie=1 and X-CSRF-Token) and get a new access token',
  })
  @ApiQuery(COOKIE_QUERY)
  @ApiHeader(CSRF_HEADER_DOC)
  @ApiExtraModels(TokenResponseDto, CookieTokenResponseDto)
  @ApiOkResponse(TOKEN_RESPONSES)
  @ProblemResponses(401, 403, 429)
  async refresh(
    @Body() body: RefreshBodyDto, // (undefined when no body was sent)
    @Query('cookie') cookie: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPair | CookieTokens> {
    if (!cookieModeRequested(cookie)) {
      if (typeof body?.refresh_token !== 'string') {
        // Exactly the 400 the JSON mode has always answered for a missing token.
        throw new ValidationFailedError(toFieldErrors(validateSync(plainToInstance(RefreshRequestDto, body ?? {}))));
      }
      return this.auth.refresh(body.refresh_token, clientInfo(request));
    }
    assertSameOrigin(request);
    if (body?.refresh_token !== undefined) throw CookieModeError.tokenInBody();
    const presented = readCookie(request, REFRESH_COOKIE);
    if (presented === undefined) {
      clearSessionCookies(reply);
      throw CookieModeError.noRefreshCookie();
    }
    assertCsrf(request, presented);
    try {
      return this.inCookies(reply, await this.auth.refresh(presented, clientInfo(request)));
    } catch (error) {
      // A refresh cookie that stopped working (reused, revoked, expired) is of no further use.
      if (error instanceof DomainError && error.status === 401) clearSessionCookies(reply);
      throw error;
    }
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'authLogout',
    summary: 'End the current session (bearer token, the given refresh token, or the cookie with ?cookie=1)',
  })
  @ApiQuery(COOKIE_QUERY)
  @ApiHeader(CSRF_HEADER_DOC)
  @ApiNoContentResponse({ description: 'Session revoked (cookie mode: both cookies cleared)' })
  @ApiBearerAuth('bearer')
  @ProblemResponses(401, 403)
  @UseGuards(OptionalJwtAuthGuard)
  async logout(
    @Body() body: LogoutRequestDto,
    @Query('cookie') cookie: unknown,
    @Req() request: FastifyRequest & { user?: AuthenticatedUser },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    if (cookieModeRequested(cookie)) return this.logoutFromCookie(body, request, reply);
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

  /** Cookie mode: the refresh token goes into its HttpOnly cookie, the body gets the CSRF token instead. */
  private inCookies(reply: FastifyReply, pair: TokenPair): CookieTokens {
    const { auth } = this.config;
    const csrf = setSessionCookies(reply, pair.refresh_token, Math.min(auth.sessionIdleTimeout, auth.sessionMaxLifetime));
    return { access_token: pair.access_token, token_type: pair.token_type, expires_in: pair.expires_in, csrf_token: csrf };
  }

  /**
   * Cookie-mode logout: revokes the bearer's session and the refresh cookie's (the CSRF check
   * guards the cookie), then clears both cookies. A cookie whose session is already gone
   * still gets cleared.
   */
  private async logoutFromCookie(
    body: LogoutRequestDto | undefined,
    request: FastifyRequest & { user?: AuthenticatedUser },
    reply: FastifyReply,
  ): Promise<void> {
    assertSameOrigin(request);
    if (body?.refresh_token !== undefined) throw CookieModeError.tokenInBody();
    const presented = readCookie(request, REFRESH_COOKIE);
    if (presented !== undefined) assertCsrf(request, presented);
    const bearer = request.user;
    clearSessionCookies(reply);
    if (presented === undefined && !bearer?.sessionId) throw AuthError.unauthenticated();
    if (bearer?.sessionId) await this.sessions.revoke(bearer.sessionId, bearer.id, 'logout');
    if (presented !== undefined) {
      try {
        await this.sessions.revokeByRefreshToken(presented, 'logout');
      } catch (error) {
        if (!(error instanceof SessionError && error.code === 'invalid_refresh_token')) throw error;
      }
    }
  }
}
