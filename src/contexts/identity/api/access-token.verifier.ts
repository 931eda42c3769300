import { Injectable } from '@nestjs/common';
import { Clock } from '../../../platform/clock';
import { JwtCodec } from '../infra/jwt-keys';
import { SessionsService } from '../sessions.service';
import { ROLES, type Role } from '../infra/user.entity';
import type { AuthenticatedUser } from './authenticated-user';

/**
 * Verifies a bearer access token: the signature with the key its `kid` names (next, active, or
 * retired inside its window) and that key's algorithm, `iss`, `aud`, `exp`, then that its session is live.
 *
 * (An app-scoped provider rather than a passport strategy: passport keeps strategies in a
 * process-wide registry, so a second app in the same process would replace the first's.)
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    private readonly jwt: JwtCodec,
    private readonly sessions: SessionsService,
    private readonly clock: Clock,
  ) {}

  async verify(rawJwt: string): Promise<AuthenticatedUser | undefined> {
    // The key its `kid` names, with that key's algorithm; `iss`, `aud`, `exp`, `nbf`.
    const payload = this.jwt.verify(rawJwt, this.clock.now());
    if (!payload) return undefined;
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
