import { Body, Controller, Delete, Get, HttpCode, Patch, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page, PaginationQueryDto } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { type AuthenticatedUser, CurrentUser, JwtAuthGuard } from '../../identity';
import { Idempotent } from '../../idempotency';
import { MembersService } from '../members.service';
import type { MemberView } from '../tenant-view';
import { MemberDto, UpdateMemberDto } from './tenancy.dto';

/** A tenant's members. Not a member: 404 tenant_not_found; suspended tenant: 403 tenant_suspended. */
@ApiTags('tenancy')
@ApiBearerAuth('bearer')
@Controller('tenants/:id/members')
@UseGuards(JwtAuthGuard)
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @ApiOperation({ operationId: 'tenantMembersList', summary: 'The tenant’s members, in the order they joined' })
  @ApiPageResponse(MemberDto)
  @ProblemResponses(401, 403, 404)
  list(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam() id: string,
    @Query() query: PaginationQueryDto,
  ): Promise<Page<MemberView>> {
    return this.members.list(user.id, id, query);
  }

  @Patch(':user_id')
  @Idempotent()
  @ApiOperation({
    operationId: 'tenantMembersUpdate',
    summary: 'Change a member’s role (owners: any; admins: between admin and member, never an owner)',
    description: 'Demoting the last owner is `409 last_owner`.',
  })
  @ApiOkResponse({ type: MemberDto })
  @ProblemResponses(401, 403, 404, 409)
  changeRole(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam() id: string,
    @UuidParam('user_id') userId: string,
    @Body() body: UpdateMemberDto,
  ): Promise<MemberView> {
    return this.members.changeRole(user.id, id, userId, body.role);
  }

  @Delete(':user_id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'tenantMembersRemove',
    summary: 'Remove a member (owners: anyone; admins: not owners), or leave (your own id)',
    description: 'Removing, or leaving as, the last owner is `409 last_owner`.',
  })
  @ApiNoContentResponse({ description: 'Removed' })
  @ProblemResponses(401, 403, 404, 409)
  async remove(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam() id: string,
    @UuidParam('user_id') userId: string,
  ): Promise<void> {
    await this.members.remove(user.id, id, userId);
  }
}
