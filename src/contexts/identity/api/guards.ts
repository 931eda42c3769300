import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { identityConfig, type IdentityConfig } from '../identity.config';
import { bindUserToRequestLog } from '../../../platform/observability/logging';
import { ApiKeysService } from '../api-keys.service';
import { MfaService } from '../mfa.service';
import { Clock } from '../../../platform/clock';
import { AuthError } from '../domain/auth.errors';
import { isRecentAuthentication } from '../domain/step-up';
import type { Role } from '../infra/user.entity';
import { AccessTokenVerifier } from './access-token.verifier';
import type { AuthenticatedUser } from './authenticated-user';
import { clientInfo } from './client-info';

type AuthRequest = FastifyRequest & { user?: AuthenticatedUser };

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header || /^ApiKey\s/i.test(header)) return undefined;
  const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header);
  return match ? match[1] : '';
}

/** `Authorization: ApiKey <key>` or `X-API-Key: <key>`. */
export function apiKeyOf(request: FastifyRequest): string | undefined {
  const match = /^ApiKey\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (match) return match[1];
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 ? header : undefined;
}

/**
 * Who a request's credentials stand for: a live session's bearer token or a valid API key.
 * `null` when no credentials were sent, `undefined` when they were sent but are not valid.
 */
@Injectable()
export class PrincipalResolver {
  /** Per request: the rate limiter and the guard ask once between them (one lookup, one event). */
  private readonly resolved = new WeakMap<object, Promise<AuthenticatedUser | null | undefined>>();

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly apiKeys: ApiKeysService,
  ) {}

  resolve(request: FastifyRequest): Promise<AuthenticatedUser | null | undefined> {
    let pending = this.resolved.get(request.raw);
    if (!pending) {
      pending = this.lookup(request);
      this.resolved.set(request.raw, pending);
    }
    return pending;
  }

  private async lookup(request: FastifyRequest): Promise<AuthenticatedUser | null | undefined> {
    const key = apiKeyOf(request);
    if (key !== undefined) return this.apiKeys.authenticate(key, clientInfo(request));
    const token = bearerToken(request);
    if (token === undefined) return null;
    return token ? this.verifier.verify(token) : undefined;
  }
}

export const SESSION_REQUIRED_KEY = 'bastion:session-required';

/** The route acts on the caller's session or credentials (password, MFA, keys): API keys get 403. */
export const SessionRequired = (): MethodDecorator & ClassDecorator => SetMetadata(SESSION_REQUIRED_KEY, true);

/** Requires a valid bearer access token of a live session, or a valid API key; 401 problem otherwise. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly principals: PrincipalResolver,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthRequest>();
    const user = await this.principals.resolve(request);
    if (user === null && this.optional) return true;
    if (!user) throw AuthError.unauthenticated();
    const sessionOnly = this.reflector.getAllAndOverride<boolean | undefined>(SESSION_REQUIRED_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (sessionOnly && user.sessionId === null) throw AuthError.sessionRequired();
    request.user = user;
    bindUserToRequestLog(request.raw, user.id);
    return true;
  }

  protected get optional(): boolean {
    return false;
  }
}

/** Authenticates when credentials are sent (401 if they are bad); lets the request through without any. */
@Injectable()
export class OptionalJwtAuthGuard extends JwtAuthGuard {
  protected override get optional(): boolean {
    return true;
  }
}

/**
 * Step-up: the route is a sensitive action (password, email, MFA, passkeys, API keys, closing the
 * account). It needs a session whose user authenticated within REAUTH_MAX_AGE — the access
 * token's `auth_time` — else `401 reauthentication_required` (`POST /auth/reauthenticate`, then
 * retry); API keys get `403 session_required`. Marked in OpenAPI as `x-requires-recent-authentication`.
 */
export const RecentAuthRequired = (): MethodDecorator & ClassDecorator =>
  applyDecorators(UseGuards(RecentAuthGuard), ApiExtension('x-requires-recent-authentication', true));

/**
 * The check of `@RecentAuthRequired()`. It resolves the caller itself (the same cached lookup
 * as `JwtAuthGuard`), so it does not depend on the order the guards are declared in.
 */
@Injectable()
export class RecentAuthGuard implements CanActivate {
  constructor(
    private readonly principals: PrincipalResolver,
    private readonly clock: Clock,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthRequest>();
    const user = request.user ?? (await this.principals.resolve(request));
    if (!user) throw AuthError.unauthenticated();
    if (user.sessionId === null) throw AuthError.sessionRequired();
    if (!isRecentAuthentication(user.authTime, this.clock.now(), this.config.reauthMaxAge)) {
      throw AuthError.reauthenticationRequired(this.config.reauthMaxAge);
    }
    return true;
  }
}

const ROLES_KEY = 'bastion:roles';

/** Restricts a route (or controller) to the given roles; use after `JwtAuthGuard`. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/**
 * Checks the route's roles. With `MFA_REQUIRED_FOR_ADMINS`, an admin without active MFA is
 * refused on admin routes (403 `mfa_enrollment_required`) until they enrol.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly mfa: MfaService,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (!roles || roles.length === 0) return true;
    const user = context.switchToHttp().getRequest<AuthRequest>().user;
    if (!user) throw AuthError.unauthenticated();
    if (!roles.includes(user.role)) throw AuthError.forbidden();
    if (user.role === 'admin' && this.config.mfa.requiredForAdmins && !(await this.mfa.isEnabled(user.id))) {
      throw AuthError.mfaEnrollmentRequired();
    }
    return true;
  }
}
