import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { SessionsService } from '../sessions.service';
import { ROLES, type Role } from '../infra/user.entity';
import type { AuthenticatedUser } from './authenticated-user';

/**
 * Verifies a bearer access token: HS256 signature with the key its `kid` names (current, or
 * previous inside the rotation window), `iss`, `aud`, `exp`, then that its session is live.
 *
 * (An app-scoped provider rather than a passport strategy: passport keeps strategies in a
 * process-wide registry, so a second app in the same process would replace the first's.)
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    private readonly jwt: JwtService,
    private readonly sessions: SessionsService,
  ) {}

  async verify(rawJwt: string): Promise<AuthenticatedUser | undefined> {
    let payload: { sub?: unknown; sid?: unknown; role?: unknown; auth_time?: unknown };
    try {
      // Algorithm, key by `kid`, `iss` and `aud`: the module's options (`jwtModuleOptions`).
      payload = await this.jwt.verifyAsync(rawJwt);
    } catch {
      return undefined;
    }
    const { sub, sid, role, auth_time: authTime } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !ROLES.includes(role as Role)) return undefined;
    if (!(await this.sessions.isActive(sid))) return undefined;
    return {
      id: sub,
      role: role as Role,
      sessionId: sid,
      authTime: typeof authTime === 'number' && Number.isFinite(authTime) ? authTime : null,
    };
  }
}
