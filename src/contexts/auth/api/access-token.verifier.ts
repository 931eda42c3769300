import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { platformConfig, type PlatformConfig } from '../../../platform/config';
import { SessionsService } from '../../sessions';
import { TokenService } from '../infra/token.service';
import { ROLES, type Role } from '../infra/user.entity';
import type { AuthenticatedUser } from './authenticated-user';

function kidOf(rawJwt: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(rawJwt.split('.')[0], 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

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
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    @Inject(platformConfig.KEY) private readonly config: PlatformConfig,
  ) {}

  async verify(rawJwt: string): Promise<AuthenticatedUser | undefined> {
    const secret = this.tokens.secretFor(kidOf(rawJwt));
    if (!secret) return undefined;
    let payload: { sub?: unknown; sid?: unknown; role?: unknown };
    try {
      payload = await this.jwt.verifyAsync(rawJwt, {
        secret,
        algorithms: ['HS256'],
        issuer: this.config.auth.jwtIssuer,
        audience: this.config.auth.jwtAudience,
      });
    } catch {
      return undefined;
    }
    const { sub, sid, role } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !ROLES.includes(role as Role)) return undefined;
    if (!(await this.sessions.isActive(sid))) return undefined;
    return { id: sub, role: role as Role, sessionId: sid };
  }
}
