import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses, PublicEndpoint } from '../../../platform/openapi/problem-responses';
import { RateLimitTier } from '../../../platform/rate-limit';
import type { TokenPair } from '../auth.service';
import { type PasskeyView, PasskeysService } from '../passkeys.service';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { TokenResponseDto } from './auth.dto';
import { clientInfo } from './client-info';
import { CookieMode, type CookieTokens } from './cookie-mode';
import { cookieModeRequested } from './refresh-cookie';
import { JwtAuthGuard, RecentAuthRequired } from './guards';
import {
  PasskeyAuthenticationDto,
  PasskeyDto,
  PasskeyListDto,
  PasskeyRegistrationDto,
  PasskeyRequestOptionsDto,
  RenamePasskeyDto,
  WebAuthnOptionsDto,
} from './passkeys.dto';
import { CookieTokenResponseDto } from './refresh-cookie.dto';

/** Passkeys: register one, sign in with one, list, rename and remove them (docs/identity.md, "Passkeys"). */
@ApiTags('auth')
@Controller('auth/passkeys')
export class PasskeysController {
  constructor(
    private readonly passkeys: PasskeysService,
    private readonly cookieMode: CookieMode,
  ) {}

  @Post('registration/options')
  @HttpCode(200)
  @UseGuards(JwtAuthGuard)
  @RecentAuthRequired()
  @ApiBearerAuth('bearer')
  @ApiOperation({
    operationId: 'passkeysRegistrationOptions',
    summary: 'Creation options for a new passkey (pass them to navigator.credentials.create / startRegistration)',
  })
  @ApiOkResponse({ type: WebAuthnOptionsDto, description: 'PublicKeyCredentialCreationOptionsJSON' })
  @ProblemResponses(401, 403, 409)
  registrationOptions(@CurrentUser() user: AuthenticatedUser): Promise<object> {
    return this.passkeys.registrationOptions(user.id);
  }

  @Post('registration')
  @UseGuards(JwtAuthGuard)
  @RecentAuthRequired()
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'passkeysRegister', summary: 'Store the passkey the authenticator made for the options' })
  @ApiCreatedResponse({ type: PasskeyDto })
  @ProblemResponses(400, 401, 403, 409)
  register(@CurrentUser() user: AuthenticatedUser, @Body() body: PasskeyRegistrationDto): Promise<PasskeyView> {
    return this.passkeys.register(user.id, body.response as unknown as RegistrationResponseJSON, body.name);
  }

  @Post('authentication/options')
  @HttpCode(200)
  @PublicEndpoint()
  @RateLimitTier('token')
  @ApiOperation({
    operationId: 'passkeysAuthenticationOptions',
    summary: 'Request options for signing in with a passkey (discoverable), or for a passkey as the second factor (mfa_token)',
  })
  @ApiOkResponse({ type: WebAuthnOptionsDto, description: 'PublicKeyCredentialRequestOptionsJSON' })
  @ProblemResponses(400, 409, 429)
  authenticationOptions(@Body() body: PasskeyRequestOptionsDto): Promise<object> {
    return this.passkeys.authenticationOptions(body?.mfa_token);
  }

  @Post('authentication')
  @HttpCode(200)
  @PublicEndpoint()
  @RateLimitTier('token')
  @ApiOperation({ operationId: 'passkeysAuthenticate', summary: 'Sign in with a passkey: the same tokens as POST /auth/token' })
  @ApiQuery({ name: 'cookie', required: false, enum: ['1', '0'], description: 'Cookie mode, as on POST /auth/token' })
  @ApiExtraModels(TokenResponseDto, CookieTokenResponseDto)
  @ApiOkResponse({
    description: 'JSON mode: the token pair; cookie mode (`?cookie=1`): the access token and `csrf_token`, cookies set',
    schema: { oneOf: [{ $ref: getSchemaPath(TokenResponseDto) }, { $ref: getSchemaPath(CookieTokenResponseDto) }] },
  })
  @ProblemResponses(401, 403, 429)
  authenticate(
    @Body() body: PasskeyAuthenticationDto,
    @Query('cookie') cookie: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPair | CookieTokens> {
    const signIn = () => this.passkeys.authenticate(body.response as unknown as AuthenticationResponseJSON, clientInfo(request));
    if (cookieModeRequested(cookie)) return this.cookieMode.signIn(request, reply, signIn);
    return signIn();
  }

  @Get()
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'passkeysList', summary: 'Your passkeys, oldest first (at most 10)' })
  @ApiOkResponse({ type: PasskeyListDto })
  @ProblemResponses(401)
  async list(@CurrentUser() user: AuthenticatedUser): Promise<{ items: PasskeyView[] }> {
    return { items: await this.passkeys.list(user.id) };
  }

  @Patch(':id')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'passkeysRename', summary: 'Rename one of your passkeys' })
  @ApiOkResponse({ type: PasskeyDto })
  @ProblemResponses(401, 404)
  rename(@CurrentUser() user: AuthenticatedUser, @UuidParam() id: string, @Body() body: RenamePasskeyDto): Promise<PasskeyView> {
    return this.passkeys.rename(user.id, id, body.name);
  }

  @Delete(':id')
  @HttpCode(204)
  @UseGuards(JwtAuthGuard)
  @RecentAuthRequired()
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'passkeysRemove', summary: 'Remove one of your passkeys' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ProblemResponses(401, 403, 404)
  async remove(@CurrentUser() user: AuthenticatedUser, @UuidParam() id: string): Promise<void> {
    await this.passkeys.remove(user.id, id);
  }
}
