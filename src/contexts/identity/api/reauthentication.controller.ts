import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ValidationFailedError } from '../../../platform/http/validation';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { RateLimitTier } from '../../../platform/rate-limit';
import { proofOf, ReauthenticationService } from '../reauthentication.service';
import { AccessTokenDto, ReauthenticateDto } from './auth.dto';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { clientInfo } from './client-info';
import { JwtAuthGuard, SessionRequired } from './guards';
import { WebAuthnOptionsDto } from './passkeys.dto';

const ONE_PROOF = [
  {
    field: 'password',
    code: 'one_proof',
    message: 'Send exactly one of password, totp_code, recovery_code or passkey_response.',
  },
];

/** Step-up: prove who you are again so sensitive actions go through (docs/identity.md, "Step-up"). */
@ApiTags('auth')
@ApiBearerAuth('bearer')
@Controller('auth/reauthenticate')
@UseGuards(JwtAuthGuard)
@SessionRequired()
export class ReauthenticationController {
  constructor(private readonly reauthentication: ReauthenticationService) {}

  @Post()
  @HttpCode(200)
  @RateLimitTier('token')
  @ApiOperation({
    operationId: 'authReauthenticate',
    summary: 'Prove who you are again (password, TOTP or recovery code, or passkey): a new access token with auth_time now',
    description:
      'Routes marked `x-requires-recent-authentication` answer `401 reauthentication_required` when the session last ' +
      'authenticated more than REAUTH_MAX_AGE ago; this refreshes it for the whole session (its later tokens too). ' +
      'A wrong password or code counts towards the account lockout like a failed login.',
  })
  @ApiOkResponse({ type: AccessTokenDto })
  @ProblemResponses(400, 401, 403, 429)
  reauthenticate(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: ReauthenticateDto,
    @Req() request: FastifyRequest,
  ): Promise<AccessTokenDto> {
    const proof = proofOf(body ?? {});
    if (!proof) throw new ValidationFailedError(ONE_PROOF);
    return this.reauthentication.reauthenticate({ id: user.id, sessionId: user.sessionId! }, proof, clientInfo(request));
  }

  @Post('options')
  @HttpCode(200)
  @RateLimitTier('token')
  @ApiOperation({
    operationId: 'authReauthenticateOptions',
    summary: 'Request options for re-authenticating with one of your passkeys (answer with passkey_response)',
  })
  @ApiOkResponse({ type: WebAuthnOptionsDto, description: 'PublicKeyCredentialRequestOptionsJSON' })
  @ProblemResponses(401, 403, 409, 429)
  options(@CurrentUser() user: AuthenticatedUser): Promise<object> {
    return this.reauthentication.passkeyOptions(user.id);
  }
}
