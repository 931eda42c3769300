import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { type JwtModuleOptions, JwtSecretRequestType } from '@nestjs/jwt';
import type { IdentityConfig } from '../identity.config';

/** `kid` of a secret: a short fingerprint, never the secret. */
export function keyId(secret: string): string {
  return `hs-${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}

/** The `kid` in a compact JWT's header, if it has a readable one. */
export function kidOf(rawJwt: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(rawJwt.split('.')[0], 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/** A token names no key, or one that is no longer accepted: it cannot be verified. */
export class UnknownKeyError extends Error {
  constructor(kid: string | undefined) {
    super(kid === undefined ? 'The token has no kid.' : `No valid key has kid "${kid}".`);
    this.name = 'UnknownKeyError';
  }
}

interface HmacKey {
  kid: string;
  key: KeyObject;
}

/**
 * The HS256 keys, as `KeyObject`s built once: the current one signs and verifies; during a
 * rotation the previous one (JWT_PREVIOUS_SECRET) keeps verifying until
 * JWT_PREVIOUS_SECRET_VALID_UNTIL.
 *
 * (`jsonwebtoken` turns a string secret into a key on every call, and first tries it as a
 * PEM public key, which throws for an HMAC secret: about a tenth of an authenticated GET's
 * CPU before this keyring existed.)
 */
export class JwtKeyring {
  readonly current: HmacKey;
  private readonly previous: (HmacKey & { validUntil: Date }) | undefined;

  constructor(config: Pick<IdentityConfig, 'jwtSecret' | 'jwtPreviousSecret' | 'jwtPreviousSecretValidUntil'>) {
    this.current = hmacKey(config.jwtSecret);
    const { jwtPreviousSecret, jwtPreviousSecretValidUntil } = config;
    this.previous =
      jwtPreviousSecret && jwtPreviousSecretValidUntil
        ? { ...hmacKey(jwtPreviousSecret), validUntil: jwtPreviousSecretValidUntil }
        : undefined;
  }

  /** The key that verifies tokens with this `kid`, if one is valid at `now`. */
  keyFor(kid: string | undefined, now = new Date()): KeyObject | undefined {
    if (kid === this.current.kid) return this.current.key;
    if (this.previous && kid === this.previous.kid && now < this.previous.validUntil) return this.previous.key;
    return undefined;
  }
}

function hmacKey(secret: string): HmacKey {
  return { kid: keyId(secret), key: createSecretKey(Buffer.from(secret, 'utf8')) };
}

/**
 * `JwtModule` options: HS256 with `kid`, `iss` and `aud` on every token; verification only
 * with the key its `kid` names (a token without a known, valid `kid` fails verification).
 */
export function jwtModuleOptions(config: IdentityConfig): JwtModuleOptions {
  const keys = new JwtKeyring(config);
  const { jwtIssuer: issuer, jwtAudience: audience } = config;
  return {
    signOptions: { algorithm: 'HS256', keyid: keys.current.kid, issuer, audience },
    verifyOptions: { algorithms: ['HS256'], issuer, audience },
    secretOrKeyProvider: (requestType, tokenOrPayload) => {
      if (requestType === JwtSecretRequestType.SIGN) return keys.current.key;
      const kid = typeof tokenOrPayload === 'string' ? kidOf(tokenOrPayload) : undefined;
      // A rejection, not a throw, so that `verifyAsync` rejects rather than throwing where it is called.
      return keys.keyFor(kid) ?? Promise.reject(new UnknownKeyError(kid));
    },
  };
}
