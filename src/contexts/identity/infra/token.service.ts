import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { identityConfig, type IdentityConfig } from '../identity.config';
import { JwtCodec } from './jwt-keys';
import type { Role } from './user.entity';

export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  /** When the session's user last proved who they are: the `auth_time` claim (OIDC: seconds since the epoch). */
  authTime: Date;
}

export interface IssuedAccessToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/**
 * Short-lived access tokens. Algorithm, key, `kid`, `iss` and `aud` come from the keyring
 * (`JwtCodec`); a token gets its subject, id, lifetime and claims here.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtCodec,
    @Inject(identityConfig.KEY) private readonly config: IdentityConfig,
  ) {}

  issue(claims: AccessClaims): IssuedAccessToken {
    const ttl = this.config.accessTokenTtl;
    const access_token = this.jwt.sign(
      { sid: claims.sid, role: claims.role, auth_time: Math.floor(claims.authTime.getTime() / 1000) },
      { ttlSeconds: ttl, subject: claims.sub, jti: randomUUID() },
    );
    return { access_token, token_type: 'Bearer', expires_in: ttl };
  }
}
