import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiAcceptedResponse,
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
import { toFieldErrors, ValidationFailedError } from '../../../platform/http/validation';
import { ProblemResponses, PublicEndpoint } from '../../../platform/openapi/problem-responses';
import { RateLimitTier } from '../../../platform/rate-limit';
import { AuthService, type LoginInput, type TokenPair, type UserView } from '../auth.service';
import { AcceptedDto } from './account-recovery.dto';
import { SessionsService } from '../sessions.service';
import { AuthError } from '../domain/auth.errors';
import {
  ChangePasswordDto,
  LogoutRequestDto,
  RefreshRequestDto,
  RegisterDto,
  TokenRequestDto,
  TokenResponseDto,
  UserDto,
} from './auth.dto';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { clientInfo } from './client-info';
import { CookieMode, type CookieTokens } from './cookie-mode';
import { JwtAuthGuard, OptionalJwtAuthGuard, RecentAuthRequired, SessionRequired } from './guards';
import { LoginThrottleInterceptor } from './login-throttle.interceptor';
import { VerifiesPassword } from './login-shedding';
import { cookieModeRequested } from './refresh-cookie';
import { CookieTokenResponseDto, RefreshBodyDto } from './refresh-cookie.dto';

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

const REGISTRATION_ACCEPTED: AcceptedDto = {
  message: 'If the address can be registered, a message with a link is on its way: follow it to finish.',
};

/** Accounts and their tokens: register, log in, refresh, log out, who am I, change the password. */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly cookieMode: CookieMode,
  ) {}

  @Post('register')
  @RateLimitTier('register')
  @PublicEndpoint()
  @ApiOperation({
    operationId: 'authRegister',
    summary: 'Create an account (a verification link is mailed)',
    description:
      'With REQUIRE_EMAIL_VERIFICATION (the production default) the answer is 202 with one body whether the address ' +
      'is new or taken (its owner is told of the attempt); otherwise 201 with the user, or 409 for a taken address.',
  })
  @ApiCreatedResponse({ type: UserDto })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ProblemResponses(409, 429)
  async register(
    @Body() body: RegisterDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserView | AcceptedDto> {
    const user = await this.auth.register(
      { email: body.email, password: body.password, displayName: body.display_name },
      clientInfo(request),
    );
    if (!this.auth.registrationIsSilent && user) return user;
    void reply.status(202);
    return REGISTRATION_ACCEPTED;
  }

  @Post('token')
  @HttpCode(200)
  @VerifiesPassword()
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
    if (cookieModeRequested(cookie)) return this.cookieMode.login(body, request, reply);
    return this.auth.login(body as LoginInput, clientInfo(request));
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
    if (cookieModeRequested(cookie)) return this.cookieMode.refresh(body, request, reply);
    if (typeof body?.refresh_token !== 'string') {
      // Exactly the 400 the JSON mode has always answered for a missing token.
      throw new ValidationFailedError(toFieldErrors(validateSync(plainToInstance(RefreshRequestDto, body ?? {}))));
    }
    return this.auth.refresh(body.refresh_token, clientInfo(request));
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
    if (cookieModeRequested(cookie)) return this.cookieMode.logout(body, request, reply);
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
  @RecentAuthRequired()
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'authChangePassword', summary: 'Change the password; every other session is revoked' })
  @ApiNoContentResponse({ description: 'Password changed' })
  @ProblemResponses(401, 403, 429)
  async changePassword(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: ChangePasswordDto,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.auth.changePassword(user.id, user.sessionId!, body.current_password, body.new_password, clientInfo(request));
  }
}
