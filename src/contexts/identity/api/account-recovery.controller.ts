import { Body, Controller, HttpCode, Post, Req, UseInterceptors } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ProblemResponses, PublicEndpoint } from '../../../platform/openapi/problem-responses';
import { RateLimitTier } from '../../../platform/rate-limit';
import { AccountRecoveryService } from '../account-recovery.service';
import type { UserView } from '../user-view';
import { AccountMailThrottleInterceptor } from './account-mail-throttle.interceptor';
import { AcceptedDto, EmailRequestDto, ResetPasswordDto, TokenDto } from './account-recovery.dto';
import { UserDto } from './auth.dto';
import { clientInfo } from './client-info';

const ACCEPTED: AcceptedDto = { message: 'If the address belongs to an account, a message with a link is on its way.' };

/** Proof of an address and the way back into an account, through one-time links sent by mail. */
@ApiTags('auth')
@Controller('auth')
export class AccountRecoveryController {
  constructor(private readonly recovery: AccountRecoveryService) {}

  @Post('email/verification')
  @HttpCode(202)
  @UseInterceptors(AccountMailThrottleInterceptor)
  @PublicEndpoint()
  @ApiOperation({
    operationId: 'authRequestEmailVerification',
    summary: 'Send a new verification link (the same answer whether or not the address has an unverified account)',
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ProblemResponses(429)
  requestVerification(@Body() body: EmailRequestDto): AcceptedDto {
    this.recovery.requestVerification(body.email);
    return ACCEPTED;
  }

  @Post('email/verify')
  @HttpCode(200)
  @RateLimitTier('token')
  @PublicEndpoint()
  @ApiOperation({
    operationId: 'authVerifyEmail',
    summary: "Confirm the account's address with the token of a verification link",
  })
  @ApiOkResponse({ type: UserDto })
  @ProblemResponses(429)
  verify(@Body() body: TokenDto, @Req() request: FastifyRequest): Promise<UserView> {
    return this.recovery.verifyEmail(body.token, clientInfo(request));
  }

  @Post('password/forgot')
  @HttpCode(202)
  @UseInterceptors(AccountMailThrottleInterceptor)
  @PublicEndpoint()
  @ApiOperation({
    operationId: 'authForgotPassword',
    summary: 'Send a password-reset link (the same answer whether or not the address has an account)',
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ProblemResponses(429)
  forgot(@Body() body: EmailRequestDto, @Req() request: FastifyRequest): AcceptedDto {
    this.recovery.forgotPassword(body.email, clientInfo(request));
    return ACCEPTED;
  }

  @Post('password/reset')
  @HttpCode(204)
  @RateLimitTier('token')
  @PublicEndpoint()
  @ApiOperation({
    operationId: 'authResetPassword',
    summary: 'Set a new password with the token of a reset link; every session and API key of the account is revoked',
  })
  @ApiNoContentResponse({ description: 'Password set; sign in with it' })
  @ProblemResponses(429)
  async reset(@Body() body: ResetPasswordDto, @Req() request: FastifyRequest): Promise<void> {
    await this.recovery.resetPassword(body.token, body.new_password, clientInfo(request));
  }
}
