import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from '../infra/user.entity';

/** Who is calling, as established by `JwtAuthGuard`: a session's access token, or an API key. */
export interface AuthenticatedUser {
  id: string;
  role: Role;
  /** The session of a bearer token; null for API keys. */
  sessionId: string | null;
  /**
   * A session's token: when its user last proved who they are (the `auth_time` claim, seconds
   * since the epoch); null for API keys and for tokens issued before the claim existed.
   */
  authTime?: number | null;
  /** Set when the request authenticated with a personal API key. */
  apiKeyId?: string;
}

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedUser => {
  const request = ctx.switchToHttp().getRequest<{ user?: AuthenticatedUser }>();
  if (!request.user) throw new Error('@CurrentUser() used on a route without JwtAuthGuard');
  return request.user;
});
