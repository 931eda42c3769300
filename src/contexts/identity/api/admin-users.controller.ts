import { Body, Controller, Get, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiPageResponse, type Page } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { Idempotent } from '../../idempotency';
import { AdminUsersService, type BulkResult } from '../admin-users.service';
import { AuthService, type UserView } from '../auth.service';
import { BulkResultDto, BulkUsersDto, ListUsersQueryDto, UserDto } from './auth.dto';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { clientInfo } from './client-info';
import { JwtAuthGuard, Roles, RolesGuard } from './guards';

/** The admin user console API: search, bulk (de)activation, lifting a login lockout. */
@ApiTags('admin')
@ApiBearerAuth('bearer')
@Controller('auth/users')
@UseGuards(JwtAuthGuard, RolesGuard)
@Roles('admin')
export class AdminUsersController {
  constructor(
    private readonly users: AdminUsersService,
    private readonly auth: AuthService,
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
}
