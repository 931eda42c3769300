import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from '../infra/user.entity';

/** Who is calling, as established by `JwtAuthGuard`. */
export interface AuthenticatedUser {
  id: string;
  role: Role;
  sessionId: string;
}

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedUser => {
  const request = ctx.switchToHttp().getRequest<{ user?: AuthenticatedUser }>();
  if (!request.user) throw new Error('@CurrentUser() used on a route without JwtAuthGuard');
  return request.user;
});
