import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { platformConfig, type PlatformConfig } from '../../../platform/config';
import type { Role } from './user.entity';

export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
}

export interface IssuedAccessToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** `kid` of a secret: a short fingerprint, never the secret. */
export function keyId(secret: string): string {
  return `hs-${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}

/**
 * Short-lived HS256 access tokens with `kid`. During a key rotation the previous secret
 * (JWT_PREVIOUS_SECRET) keeps verifying until JWT_PREVIOUS_SECRET_VALID_UNTIL.
 */
@Injectable()
export class TokenService {
  private readonly currentKid: string;
  private readonly previousKid: string | undefined;

  constructor(
    private readonly jwt: JwtService,
    @Inject(platformConfig.KEY) private readonly config: PlatformConfig,
  ) {
    this.currentKid = keyId(config.jwtSecret);
    this.previousKid = config.auth.jwtPreviousSecret ? keyId(config.auth.jwtPreviousSecret) : undefined;
  }

  async issue(claims: AccessClaims): Promise<IssuedAccessToken> {
    const ttl = this.config.auth.accessTokenTtl;
    const access_token = await this.jwt.signAsync(
      { sid: claims.sid, role: claims.role },
      {
        secret: this.config.jwtSecret,
        algorithm: 'HS256',
        keyid: this.currentKid,
        expiresIn: ttl,
        issuer: this.config.auth.jwtIssuer,
        audience: this.config.auth.jwtAudience,
        subject: claims.sub,
        jwtid: randomUUID(),
      },
    );
    return { access_token, token_type: 'Bearer', expires_in: ttl };
  }

  /** The secret that verifies tokens with this `kid`, if any is currently valid. */
  secretFor(kid: string | undefined, now = new Date()): string | undefined {
    if (kid === this.currentKid) return this.config.jwtSecret;
    const { jwtPreviousSecret, jwtPreviousSecretValidUntil } = this.config.auth;
    if (jwtPreviousSecret && kid === this.previousKid && jwtPreviousSecretValidUntil && now < jwtPreviousSecretValidUntil) {
      return jwtPreviousSecret;
    }
    return undefined;
  }
}
