import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiPageResponse, type Page, PaginationQueryDto } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { ApiKeysService, type ApiKeyView } from '../api-keys.service';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './auth.dto';
import { type AuthenticatedUser, CurrentUser } from './authenticated-user';
import { clientInfo } from './client-info';
import { JwtAuthGuard, RecentAuthRequired, SessionRequired } from './guards';

/** Personal API keys. Managing keys needs a signed-in session: a key cannot mint or revoke keys. */
@ApiTags('auth')
@ApiBearerAuth('bearer')
@Controller('auth/api-keys')
@UseGuards(JwtAuthGuard)
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /**
   * Not `@Idempotent()`: the answer holds the key, shown once and otherwise kept only as its
   * SHA-256, and a stored response would keep it in clear for the idempotency TTL and hand it out
   * again. A client that lost the answer lists its keys and revokes the one it cannot use.
   */
  @Post()
  @SessionRequired()
  @RecentAuthRequired()
  @ApiOperation({ operationId: 'authCreateApiKey', summary: 'Create a personal API key (the key is shown once)' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ProblemResponses(401, 403)
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateApiKeyDto,
    @Req() request: FastifyRequest,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(user.id, body.name, body.expires_at, clientInfo(request));
  }

  @Get()
  @ApiOperation({
    operationId: 'authListApiKeys',
    summary: 'Your API keys that are not revoked, newest first (never the keys themselves)',
  })
  @ApiPageResponse(ApiKeyDto)
  @ProblemResponses(401)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: PaginationQueryDto): Promise<Page<ApiKeyView>> {
    return this.apiKeys.list(user.id, query);
  }

  @Delete(':id')
  @HttpCode(204)
  @SessionRequired()
  @ApiOperation({ operationId: 'authRevokeApiKey', summary: 'Revoke one of your API keys' })
  @ApiNoContentResponse({ description: 'Revoked; requests with it now get 401' })
  @ProblemResponses(401, 403, 404)
  async revoke(@CurrentUser() user: AuthenticatedUser, @UuidParam('id', { version: '4' }) id: string): Promise<void> {
    await this.apiKeys.revoke(user.id, id);
  }
}
