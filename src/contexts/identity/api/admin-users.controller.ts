import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiPageResponse, type Page } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { Idempotent } from '../../idempotency';
import { AdminUsersService, type BulkResult } from '../admin-users.service';
import { AuthService, type UserView } from '../auth.service';
import { InvitationsService } from '../invitations.service';
import { InviteUserDto, UpdateUserDto } from './admin-users.dto';
import { BulkResultDto, BulkUsersDto, ListUsersQueryDto, UserDto } from './auth.dto';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { clientInfo } from './client-info';
import { JwtAuthGuard, Roles, RolesGuard } from './guards';

/**
 * The admin user console API: search, invitations, changing and closing one account, bulk
 * (de)activation, lifting a login lockout.
 */
@ApiTags('admin')
@ApiBearerAuth('bearer')
@Controller('auth/users')
@UseGuards(JwtAuthGuard, RolesGuard)
@Roles('admin')
export class AdminUsersController {
  constructor(
    private readonly users: AdminUsersService,
    private readonly auth: AuthService,
    private readonly invitations: InvitationsService,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'adminListUsers', summary: 'Search users (email or display name), filter by role and status' })
  @ApiPageResponse(UserDto)
  @ProblemResponses(401, 403)
  list(@Query() query: ListUsersQueryDto): Promise<Page<UserView>> {
    return this.users.list(query);
  }

  @Post('bulk')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    operationId: 'adminBulkUsers',
    summary: 'Activate or deactivate up to 500 users; deactivation revokes their sessions and API keys',
    description:
      'A deactivation that would leave no active admin is refused as a whole (`409 last_admin`, nothing changed); ' +
      'the caller’s own id is `400 cannot_deactivate_self`.',
  })
  @ApiOkResponse({ type: BulkResultDto })
  @ProblemResponses(401, 403)
  bulk(@CurrentUser() admin: AuthenticatedUser, @Body() body: BulkUsersDto): Promise<BulkResult> {
    return this.users.bulk(admin.id, body.ids, body.action);
  }

  @Post(':id/unlock')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'authUnlockUser',
    summary: 'Lift a login lockout now (admin); the failure streak and lockout level start over',
  })
  @ApiNoContentResponse({ description: 'The account may log in again' })
  @ProblemResponses(401, 403, 404)
  async unlock(
    @CurrentUser() admin: AuthenticatedUser,
    @UuidParam('id', { version: '4' }) id: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.auth.unlock(id, admin.id, clientInfo(request));
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({
    operationId: 'adminInviteUser',
    summary: 'Create an account for an address and mail it an invitation link (INVITE_TOKEN_TTL, default 7 days)',
    description:
      'The account is inactive (`status: invited`) until the link is accepted (`POST /auth/invitations/accept`), ' +
      'which sets its password. A taken address, an invited one included, is `409 email_taken`: resend with ' +
      '`POST /auth/users/{id}/invitation`.',
  })
  @ApiCreatedResponse({ type: UserDto })
  @ProblemResponses(401, 403, 409)
  invite(@CurrentUser() admin: AuthenticatedUser, @Body() body: InviteUserDto): Promise<UserView> {
    return this.invitations.invite(admin.id, { email: body.email, role: body.role, displayName: body.display_name });
  }

  @Post(':id/invitation')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    operationId: 'adminResendInvitation',
    summary: 'Mail an invited account a new invitation link; its earlier links stop working',
  })
  @ApiOkResponse({ type: UserDto })
  @ProblemResponses(401, 403, 404, 409)
  resendInvitation(@CurrentUser() admin: AuthenticatedUser, @UuidParam('id', { version: '4' }) id: string): Promise<UserView> {
    return this.invitations.resend(admin.id, id);
  }

  @Patch(':id')
  @Idempotent()
  @ApiOperation({
    operationId: 'adminUpdateUser',
    summary: "Change a user's role, activation or display name; a role change or deactivation ends their sessions",
    description:
      'At least one field. A role change revokes the user’s sessions (the new role applies from the next sign-in); ' +
      'a deactivation revokes their sessions and API keys. Demoting or deactivating the last active admin is ' +
      '`409 last_admin`; a closed or erased account is `409 account_closed`; an admin cannot deactivate themselves.',
  })
  @ApiOkResponse({ type: UserDto })
  @ProblemResponses(401, 403, 404, 409)
  update(
    @CurrentUser() admin: AuthenticatedUser,
    @UuidParam('id', { version: '4' }) id: string,
    @Body() body: UpdateUserDto, // (undefined when no body was sent)
  ): Promise<UserView> {
    return this.users.update(admin.id, id, body);
  }

  @Delete(':id')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'adminDeleteUser',
    summary: 'Close an account: signed out and deactivated at once, erased after ACCOUNT_DELETION_GRACE',
    description:
      'The answer is the closed account (`status: deletion_pending`, `deletion_due_at`). The last active admin ' +
      'cannot be closed (`409 last_admin`), nor the caller’s own account (use `DELETE /auth/me`).',
  })
  @ApiAcceptedResponse({ type: UserDto })
  @ProblemResponses(401, 403, 404, 409)
  remove(
    @CurrentUser() admin: AuthenticatedUser,
    @UuidParam('id', { version: '4' }) id: string,
    @Req() request: FastifyRequest,
  ): Promise<UserView> {
    return this.users.close(admin.id, id, clientInfo(request));
  }
}
