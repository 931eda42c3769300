import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { noteRateLimit } from '../../../platform/rate-limit';
import { TENANT_HEADER } from '../domain/tenancy.errors';
import type { TenantCaller } from '../tenant.resolver';

/**
 * Documents the optional `X-Tenant-Id` header of a tenant-owned route (pair it with
 * `TenantResolver.resolve(user.id, tenantHeaderOf(request))`).
 */
export function ApiTenantHeader(): MethodDecorator & ClassDecorator {
  return ApiHeader({
    name: TENANT_HEADER,
    required: false,
    schema: { type: 'string', format: 'uuid' },
    description:
      'The tenant to act in. Absent: your personal tenant. Not a UUID: 400 validation_failed; a tenant you are not a ' +
      'member of: 404 tenant_not_found; a suspended tenant: 403 tenant_suspended.',
  });
}

/** The `X-Tenant-Id` header as sent (a repeated header is joined, so it fails the UUID check); undefined when absent. */
export function tenantHeaderOf(request: FastifyRequest): string | undefined {
  const header = request.headers[TENANT_HEADER.toLowerCase()];
  return Array.isArray(header) ? header.join(',') : header;
}

/**
 * The caller of a tenant-owned route (`TenantScopes.run(caller, …)`): the signed-in user and the
 * `X-Tenant-Id` they sent. Use behind `JwtAuthGuard`.
 */
export const CurrentTenantCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext): TenantCaller => {
  const http = ctx.switchToHttp();
  const request = http.getRequest<FastifyRequest & { user?: { id: string; sessionId: string | null } }>();
  const reply = http.getResponse<FastifyReply>();
  if (!request.user) throw new Error('@CurrentTenantCaller() used on a route without JwtAuthGuard');
  return {
    userId: request.user.id,
    header: tenantHeaderOf(request),
    sessionId: request.user.sessionId,
    observeRateLimit: (observation) => noteRateLimit(request, reply, observation),
  };
});
