import { Body, Controller, Delete, Get, HttpCode, Req, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { AccountClosureService } from '../account-closure.service';
import { AccountExportService, type PersonalDataExport } from '../account-export.service';
import { toUserView, type UserView } from '../user-view';
import { DeleteAccountDto, PersonalDataExportDto } from './account.dto';
import { UserDto } from './auth.dto';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { clientInfo } from './client-info';
import { JwtAuthGuard, RecentAuthRequired, SessionRequired } from './guards';

/** The signed-in user's own account: closing it, and downloading everything Bastion holds about it. */
@ApiTags('auth')
@ApiBearerAuth('bearer')
@Controller('auth/me')
@UseGuards(JwtAuthGuard)
@SessionRequired()
export class AccountController {
  constructor(
    private readonly closure: AccountClosureService,
    private readonly exports: AccountExportService,
  ) {}

  @Delete()
  @HttpCode(202)
  @RecentAuthRequired()
  @ApiOperation({
    operationId: 'authDeleteAccount',
    summary:
      'Close my account: signed out everywhere at once, erased after the grace period (ACCOUNT_DELETION_GRACE); signing in before then cancels',
  })
  @ApiAcceptedResponse({ type: UserDto, description: 'The closed account (`status: deletion_pending`, `deletion_due_at`)' })
  @ProblemResponses(401, 403, 409, 429)
  async remove(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: DeleteAccountDto,
    @Req() request: FastifyRequest,
  ): Promise<UserView> {
    const closed = await this.closure.closeOwn(
      user.id,
      body.current_password,
      { totpCode: body.totp_code, recoveryCode: body.recovery_code },
      clientInfo(request),
    );
    return toUserView(closed);
  }

  @Get('export')
  @ApiOperation({
    operationId: 'authExportMyData',
    summary: 'Download everything Bastion holds about me, as one JSON document',
  })
  @ApiOkResponse({ type: PersonalDataExportDto })
  @ProblemResponses(401, 403)
  async export(
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PersonalDataExport> {
    const document = await this.exports.exportFor(user.id);
    void reply.header('cache-control', 'no-store');
    void reply.header('content-disposition', `attachment; filename="bastion-data-${document.generated_at.slice(0, 10)}.json"`);
    return document;
  }
}
