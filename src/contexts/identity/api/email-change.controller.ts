import { Body, Controller, HttpCode, Post, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ProblemResponses, PublicEndpoint } from '../../../platform/openapi/problem-responses';
import { RateLimitTier } from '../../../platform/rate-limit';
import { EmailChangeService } from '../email-change.service';
import { AccountMailThrottleInterceptor } from './account-mail-throttle.interceptor';
import type { UserView } from '../user-view';
import { AcceptedDto, EmailChangeDto, TokenDto } from './account-recovery.dto';
import { UserDto } from './auth.dto';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { clientInfo } from './client-info';
import { JwtAuthGuard, RecentAuthRequired, SessionRequired } from './guards';

const CHANGE_ACCEPTED: AcceptedDto = {
  message: 'If the new address can be used, a message with a link is on its way to it: follow it to finish.',
};

/** Moving the account to a new address, confirmed from that address. */
@ApiTags('auth')
@Controller('auth/email/change')
export class EmailChangeController {
  constructor(private readonly emailChange: EmailChangeService) {}

  @Post()
  @HttpCode(202)
  @UseGuards(JwtAuthGuard)
  @SessionRequired()
  @RecentAuthRequired()
  @UseInterceptors(AccountMailThrottleInterceptor)
  @ApiBearerAuth('bearer')
  @ApiOperation({
    operationId: 'authRequestEmailChange',
    summary: 'Ask to move the account to a new address (a confirmation link goes there; the same answer when it is taken)',
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ProblemResponses(401, 403, 429)
  async request(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: EmailChangeDto,
    @Req() request: FastifyRequest,
  ): Promise<AcceptedDto> {
    await this.emailChange.request(user.id, body.new_email, body.current_password, clientInfo(request));
    return CHANGE_ACCEPTED;
  }

  @Post('confirm')
  @HttpCode(200)
  @RateLimitTier('token')
  @PublicEndpoint()
  @ApiOperation({ operationId: 'authConfirmEmailChange', summary: 'Confirm the new address with the token of its link' })
  @ApiOkResponse({ type: UserDto })
  @ProblemResponses(409, 429)
  confirm(@Body() body: TokenDto, @Req() request: FastifyRequest): Promise<UserView> {
    return this.emailChange.confirm(body.token, clientInfo(request));
  }
}
