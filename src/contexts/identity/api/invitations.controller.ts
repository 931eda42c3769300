import { Body, Controller, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemResponses, PublicEndpoint } from '../../../platform/openapi/problem-responses';
import { RateLimitTier } from '../../../platform/rate-limit';
import type { TokenPair } from '../auth.service';
import { InvitationsService } from '../invitations.service';
import { AcceptInvitationDto } from './admin-users.dto';
import { TokenResponseDto } from './auth.dto';
import { clientInfo } from './client-info';
import { CookieMode, type CookieTokens } from './cookie-mode';
import { assertSameOrigin, cookieModeRequested } from './refresh-cookie';
import { CookieTokenResponseDto } from './refresh-cookie.dto';

/** Accepting an invitation (public: the one-time token is the credential). */
@ApiTags('auth')
@Controller('auth/invitations')
export class InvitationsController {
  constructor(
    private readonly invitations: InvitationsService,
    private readonly cookies: CookieMode,
  ) {}

  @Post('accept')
  @HttpCode(200)
  @RateLimitTier('token')
  @PublicEndpoint()
  @ApiOperation({
    operationId: 'authAcceptInvitation',
    summary: 'Set the password of an invited account with the token of its invitation link, and sign in',
    description:
      'The account becomes active and its address verified. The answer is that of `POST /auth/token`, in JSON or ' +
      'cookie mode (`?cookie=1`). A password the policy refuses is `400 weak_password` and leaves the link usable; ' +
      'an unknown, spent, replaced or expired token is `400 invalid_token`.',
  })
  @ApiQuery({
    name: 'cookie',
    required: false,
    enum: ['1', '0'],
    description:
      'Cookie mode for browser pages of this origin, as for `POST /auth/token`: the refresh token goes in the ' +
      '`__Host-bastion_refresh` HttpOnly cookie (never in the body), with a CSRF token; `Origin` must be this server.',
  })
  @ApiExtraModels(TokenResponseDto, CookieTokenResponseDto)
  @ApiOkResponse({
    description: 'JSON mode: the token pair; cookie mode (`?cookie=1`): the access token and `csrf_token`, cookies set',
    schema: { oneOf: [{ $ref: getSchemaPath(TokenResponseDto) }, { $ref: getSchemaPath(CookieTokenResponseDto) }] },
  })
  @ProblemResponses(403, 429)
  async accept(
    @Body() body: AcceptInvitationDto,
    @Query('cookie') cookie: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPair | CookieTokens> {
    const cookieMode = cookieModeRequested(cookie);
    // Checked before the token is looked at: a cross-site page must not spend a link.
    if (cookieMode) assertSameOrigin(request);
    const pair = await this.invitations.accept(body.token, body.password, clientInfo(request));
    return cookieMode ? this.cookies.inCookies(reply, pair) : pair;
  }
}
