import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Clock } from '../../../platform/clock';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { MfaService } from '../mfa.service';
import { DisableMfaDto, RecoveryCodesDto, TotpCodeDto, TotpEnrollmentDto } from './auth.dto';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { clientInfo } from './client-info';
import { JwtAuthGuard, RecentAuthRequired, SessionRequired } from './guards';

@ApiTags('auth')
@ApiBearerAuth('bearer')
@Controller('auth/mfa/totp')
@UseGuards(JwtAuthGuard)
@SessionRequired()
export class MfaController {
  constructor(
    private readonly mfa: MfaService,
    private readonly clock: Clock,
  ) {}

  @Post('enroll')
  @HttpCode(200)
  @RecentAuthRequired()
  @ApiOperation({ operationId: 'authMfaEnroll', summary: 'Start TOTP enrolment: a new secret, its otpauth URL and QR code' })
  @ApiOkResponse({ type: TotpEnrollmentDto })
  @ProblemResponses(401, 403, 409)
  enroll(@CurrentUser() user: AuthenticatedUser): Promise<TotpEnrollmentDto> {
    return this.mfa.enroll(user.id);
  }

  @Post('activate')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'authMfaActivate',
    summary: 'Turn MFA on with a first valid code; returns 10 one-time recovery codes',
  })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ProblemResponses(401, 403, 409)
  async activate(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: TotpCodeDto,
    @Req() request: FastifyRequest,
  ): Promise<RecoveryCodesDto> {
    return { recovery_codes: await this.mfa.activate(user.id, body.code, this.clock.now(), clientInfo(request)) };
  }

  @Post('disable')
  @HttpCode(204)
  @RecentAuthRequired()
  @ApiOperation({ operationId: 'authMfaDisable', summary: 'Turn MFA off: the password and a TOTP or recovery code' })
  @ApiNoContentResponse({ description: 'MFA is off; recovery codes are deleted' })
  @ProblemResponses(401, 403, 409, 429)
  async disable(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: DisableMfaDto,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.mfa.disable(
      user.id,
      body.password,
      { totpCode: body.code, recoveryCode: body.recovery_code },
      this.clock.now(),
      clientInfo(request),
    );
  }
}
