import { Body, Controller, Delete, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page, PaginationQueryDto } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { RateLimitTier } from '../../../platform/rate-limit';
import { type AuthenticatedUser, CurrentUser, JwtAuthGuard } from '../../identity';
import { Idempotent } from '../../idempotency';
import { InvitationsService } from '../invitations.service';
import type { AcceptedInvitationView, InvitationView } from '../tenant-view';
import {
  AcceptedTenantInvitationDto,
  AcceptTenantInvitationDto,
  CreateTenantInvitationDto,
  TenantInvitationDto,
} from './tenancy.dto';

/**
 * Invitations to join a tenant: owners and admins send, list and revoke them; the invitee,
 * signed in with an account of the invited address, accepts with the token of the mailed link.
 * Not a member: 404 tenant_not_found; suspended tenant: 403 tenant_suspended.
 */
@ApiTags('tenancy')
@ApiBearerAuth('bearer')
@Controller('tenants')
@UseGuards(JwtAuthGuard)
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post('invitations/accept')
  @HttpCode(200)
  @RateLimitTier('token')
  @Idempotent()
  @ApiOperation({
    operationId: 'tenantInvitationsAccept',
    summary: 'Join a tenant with the token of an invitation link mailed to your address',
    description:
      'Your account’s address must be the invited one (case-insensitive), else `403 invitation_email_mismatch` and ' +
      'the link stays usable for its addressee. An unknown, spent, revoked or expired token is `400 invalid_token`; ' +
      'a tenant at its `max_members` quota is `403 quota_exceeded` (with `limit` and `usage`); already a member: ' +
      '`409 already_member`. Throttled per client IP like the other one-time-token endpoints.',
  })
  @ApiOkResponse({ type: AcceptedTenantInvitationDto, description: 'The new membership, and the tenant joined' })
  @ProblemResponses(401, 403, 409, 429)
  accept(@CurrentUser() user: AuthenticatedUser, @Body() body: AcceptTenantInvitationDto): Promise<AcceptedInvitationView> {
    return this.invitations.accept(user.id, body.token);
  }

  @Post(':id/invitations')
  @Idempotent()
  @ApiOperation({
    operationId: 'tenantInvitationsCreate',
    summary: 'Invite an address to join with a role (owners, admins); the address gets a one-time link',
    description:
      'A pending invitation to the same address is replaced (revoked). An address outside the tenant’s ' +
      '`allowed_email_domains` is `400 validation_failed` (`email_domain_not_allowed` on `email`); a member’s ' +
      'address is `409 already_member`; members plus pending invitations at `max_members` is `403 quota_exceeded` ' +
      '(with `limit` and `usage`).',
  })
  @ApiCreatedResponse({ type: TenantInvitationDto, description: 'The invitation (its token only ever travels in the mail)' })
  @ProblemResponses(401, 403, 404, 409)
  create(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam() id: string,
    @Body() body: CreateTenantInvitationDto,
  ): Promise<InvitationView> {
    return this.invitations.invite(user.id, id, { email: body.email, role: body.role });
  }

  @Get(':id/invitations')
  @ApiOperation({
    operationId: 'tenantInvitationsList',
    summary: 'The tenant’s invitations, whatever their status, newest first (owners, admins)',
  })
  @ApiPageResponse(TenantInvitationDto)
  @ProblemResponses(401, 403, 404)
  list(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam() id: string,
    @Query() query: PaginationQueryDto,
  ): Promise<Page<InvitationView>> {
    return this.invitations.list(user.id, id, query);
  }

  @Delete(':id/invitations/:invitation_id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'tenantInvitationsRevoke',
    summary: 'Revoke an invitation (owners, admins): its link stops working',
    description:
      'Revoking one that is already revoked or expired changes nothing (204); an accepted one is ' +
      '`409 invitation_accepted` (remove the member instead).',
  })
  @ApiNoContentResponse({ description: 'Revoked (or no longer usable already)' })
  @ProblemResponses(401, 403, 404, 409)
  async revoke(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam() id: string,
    @UuidParam('invitation_id') invitationId: string,
  ): Promise<void> {
    await this.invitations.revoke(user.id, id, invitationId);
  }
}
