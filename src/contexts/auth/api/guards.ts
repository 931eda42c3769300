import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { bindUserToRequestLog } from '../../../platform/observability/logging';
import { AuthError } from '../domain/auth.errors';
import type { Role } from '../infra/user.entity';
import { AccessTokenVerifier } from './access-token.verifier';
import type { AuthenticatedUser } from './authenticated-user';

type AuthRequest = FastifyRequest & { user?: AuthenticatedUser };

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header);
  return match ? match[1] : '';
}

/** Requires a valid bearer access token of a live session; 401 problem otherwise. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthRequest>();
    const token = bearerToken(request);
    if (token === undefined && this.optional) return true;
    const user = token ? await this.verifier.verify(token) : undefined;
    if (!user) throw AuthError.unauthenticated();
    request.user = user;
    bindUserToRequestLog(request.raw, user.id);
    return true;
  }

  protected get optional(): boolean {
    return false;
  }
}

/** Authenticates when an Authorization header is sent (401 if it is bad); lets the request through without one. */
@Injectable()
export class OptionalJwtAuthGuard extends JwtAuthGuard {
  protected override get optional(): boolean {
    return true;
  }
}

const ROLES_KEY = 'bastion:roles';

/** Restricts a route (or controller) to the given roles; use after `JwtAuthGuard`. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (!roles || roles.length === 0) return true;
    const user = context.switchToHttp().getRequest<AuthRequest>().user;
    if (!user) throw AuthError.unauthenticated();
    if (!roles.includes(user.role)) throw AuthError.forbidden();
    return true;
  }
}
