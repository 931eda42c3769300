import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page } from '../../../platform/http/pagination';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { Idempotent } from '../../idempotency';
import { AdminUsersService, type BulkResult } from '../admin-users.service';
import type { UserView } from '../auth.service';
import { BulkResultDto, BulkUsersDto, ListUsersQueryDto, UserDto } from './auth.dto';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { JwtAuthGuard, Roles, RolesGuard } from './guards';

/** The admin user console API. */
@ApiTags('admin')
@ApiBearerAuth('bearer')
@Controller('auth/users')
@UseGuards(JwtAuthGuard, RolesGuard)
@Roles('admin')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

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
}
