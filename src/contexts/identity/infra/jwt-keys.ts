import { createHmac, type KeyObject, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { decodeProtectedHeader, type JWTPayload } from 'jose';
import type { IdentityConfig } from '../identity.config';
import { hmacKeyId, type JwtAlgorithm, type JwtKey, type JwtKeySettings } from '../jwt-keys.config';

export { hmacKeyId as keyId };

/** The `kid` in a compact JWT's header, if it has a readable one. */
export function kidOf(rawJwt: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(rawJwt);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

/** A public key as the JWKS publishes it. */
export interface PublishedKey {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  kid: string;
  alg: JwtAlgorithm;
  use: 'sig';
}

/**
 * The access-token keys, as `KeyObject`s built once (docs/identity.md, "Access tokens"): the
 * `active` key signs; `next` and `active` keys verify; a `retired` key verifies until its window
 * ends. A token is verified only with the key its `kid` names, and only with that key's own
 * algorithm: no switching between HMAC and asymmetric keys, no `none`.
 */
export class JwtKeyring {
  readonly algorithm: JwtAlgorithm;
  readonly signer: JwtKey & { signingKey: KeyObject };
  private readonly byKid: Map<string, JwtKey>;

  constructor(settings: JwtKeySettings) {
    const signer = settings.keys.find((k) => k.state === 'active');
    if (!signer?.signingKey) throw new Error('The keyring has no active signing key.');
    this.algorithm = signer.alg;
    this.signer = signer as JwtKey & { signingKey: KeyObject };
    this.byKid = new Map(settings.keys.map((k) => [k.kid, k]));
    // The configuration reports a kid named twice; a keyring built anyway would keep only the last of them.
    if (this.byKid.size !== settings.keys.length) throw new Error('The keyring names a kid twice.');
  }

  /** The key that verifies a token with this `kid` and `alg` at `now`, if one does. */
  verifierFor(kid: string | undefined, alg: string | undefined, now: Date): JwtKey | undefined {
    const key = kid === undefined ? undefined : this.byKid.get(kid);
    if (!key || key.alg !== alg) return undefined;
    if (key.state === 'retired' && !(key.acceptUntil && now < key.acceptUntil)) return undefined;
    return key;
  }

  /** The public keys to publish at `now` (never a private or symmetric key): next, active and retired in their window. */
  published(now: Date): PublishedKey[] {
    const out: PublishedKey[] = [];
    for (const key of this.byKid.values()) {
      if (key.alg === 'HS256') continue;
      if (key.state === 'retired' && !(key.acceptUntil && now < key.acceptUntil)) continue;
      const { kty, crv, x, y } = key.verifyKey.export({ format: 'jwk' });
      out.push({ kty: kty!, crv, x, ...(y ? { y } : {}), kid: key.kid, alg: key.alg, use: 'sig' });
    }
    return out;
  }

  /** The algorithms tokens may be verified with (the published metadata's list). */
  get algorithms(): JwtAlgorithm[] {
    return [...new Set([...this.byKid.values()].map((k) => k.alg))];
  }
}

/** Claims a Bastion access token carries besides the registered ones. */
export type AccessTokenClaims = Record<string, unknown>;

/**
 * Signs and verifies access tokens with the keyring, both with `node:crypto`: `kid`, `iss`, `aud`,
 * `iat`, `exp` and `jti` on every token; verification checks the signature with the `kid`'s key and
 * that key's algorithm, then `iss`, `aud`, `exp`, `nbf` and `iat` with `JWT_CLOCK_TOLERANCE` of
 * leeway. Expiry follows real time; the key windows follow the injected clock (`now`). The tests
 * check what it signs with `jose` (jwt-keys.spec.ts) and against the published key set (the e2e).
 */
export class JwtCodec {
  /**
   * Asymmetric tokens whose signature has been checked, with the key that checked it: an Ed25519
   * or P-256 check costs 60–120 µs here and every authenticated request makes one, mostly for a
   * token it has seen before (docs/performance.md). A token is found here only by its exact text,
   * and only ever added after its signature held, so nobody can fill this without the signing key.
   * A hit still needs that same key to verify the token's kid and alg at `now` (not rotated out,
   * not past a retired key's window) and the claims to hold (`exp` above all). Emptied when the
   * keys change, and when it outgrows its bound (as the session-liveness cache is).
   */
  private readonly checked = new Map<string, { key: JwtKey; payload: JWTPayload }>();

  constructor(
    private keyring: JwtKeyring,
    private readonly config: Pick<IdentityConfig, 'jwtIssuer' | 'jwtAudience' | 'jwtClockTolerance'>,
  ) {}

  get keys(): JwtKeyring {
    return this.keyring;
  }

  /** Swaps the keys (rotated secrets read again), for every token signed or verified from now on. */
  replace(keyring: JwtKeyring): void {
    this.keyring = keyring;
    this.checked.clear();
  }

  /**
   * A compact JWS of `claims` with the registered claims added, signed by the active key. Synchronous
   * `node:crypto`, as verification is: `jose`'s `SignJWT` goes through WebCrypto, a threadpool job and
   * about 6 % of a login's main-thread time (docs/performance.md, eighth pass).
   */
  sign(claims: AccessTokenClaims, options: { subject: string; jti: string; ttlSeconds: number }): string {
    const { signer } = this.keyring;
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: signer.alg, kid: signer.kid, typ: 'JWT' };
    const payload = {
      ...claims,
      sub: options.subject,
      jti: options.jti,
      iss: this.config.jwtIssuer,
      aud: this.config.jwtAudience,
      iat: now,
      exp: now + options.ttlSeconds,
    };
    const signingInput = `${segment(header)}.${segment(payload)}`;
    return `${signingInput}.${signatureOf(signer, Buffer.from(signingInput)).toString('base64url')}`;
  }

  /**
   * The token's payload when it verifies; undefined otherwise (any reason). Synchronous
   * `node:crypto` on the hot path (every authenticated request): `jose`'s WebCrypto verify costs
   * 5–10× more per token here (docs/performance.md).
   */
  verify(rawJwt: string, now: Date): JWTPayload | undefined {
    if (rawJwt.length > 8192) return undefined;
    // (HS256-only deployments never fill it: no lookup at all then.)
    const known = this.checked.size > 0 ? this.checked.get(rawJwt) : undefined;
    if (known) {
      const { key, payload } = known;
      if (this.keyring.verifierFor(key.kid, key.alg, now) === key && this.claimsHold(payload)) return payload;
      this.checked.delete(rawJwt);
    }
    const parts = rawJwt.split('.');
    if (parts.length !== 3) return undefined;
    const header = parseSegment(parts[0]);
    if (!header) return undefined;
    const key = this.keyring.verifierFor(
      typeof header.kid === 'string' ? header.kid : undefined,
      typeof header.alg === 'string' ? header.alg : undefined,
      now,
    );
    if (!key || header.crit !== undefined) return undefined;
    if (!signatureHolds(key, `${parts[0]}.${parts[1]}`, parts[2])) return undefined;
    const payload: JWTPayload | undefined = parseSegment(parts[1]);
    if (!payload || !this.claimsHold(payload)) return undefined;
    if (key.alg !== 'HS256') {
      // HS256's check (about 5 µs) costs little more than the lookup: only asymmetric ones are kept.
      if (this.checked.size >= CHECKED_TOKENS_MAX) this.checked.clear();
      this.checked.set(rawJwt, { key, payload: Object.freeze(payload) });
    }
    return payload;
  }

  /** `iss`, `aud`, and `exp` (required), `nbf` and `iat` (when present) against real time, with the tolerance. */
  private claimsHold(payload: JWTPayload): boolean {
    const { jwtIssuer, jwtAudience, jwtClockTolerance: leeway } = this.config;
    if (payload.iss !== jwtIssuer) return false;
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(jwtAudience)) return false;
    const seconds = Date.now() / 1000;
    if (typeof payload.exp !== 'number' || payload.exp <= seconds - leeway) return false;
    if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > seconds + leeway)) return false;
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > seconds + leeway)) return false;
    return true;
  }
}

/** The most checked tokens `JwtCodec` keeps (a few MB at most); beyond it, it starts afresh. */
const CHECKED_TOKENS_MAX = 10_000;

/** A JSON value as a base64url segment. */
function segment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The signature of `data` with the active key, in JWS form (ES256: `r ‖ s`, 64 bytes). */
function signatureOf(key: JwtKey & { signingKey: KeyObject }, data: Buffer): Buffer {
  switch (key.alg) {
    case 'HS256':
      return createHmac('sha256', key.signingKey).update(data).digest();
    case 'EdDSA':
      return cryptoSign(null, data, key.signingKey);
    case 'ES256':
      return cryptoSign('sha256', data, { key: key.signingKey, dsaEncoding: 'ieee-p1363' });
  }
}

/** A base64url JSON object segment, or undefined. */
function parseSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The signature check of the key's own algorithm (the header's `alg` already had to equal it). */
function signatureHolds(key: JwtKey, signingInput: string, encodedSignature: string): boolean {
  const signature = Buffer.from(encodedSignature, 'base64url');
  const data = Buffer.from(signingInput);
  switch (key.alg) {
    case 'HS256': {
      const expected = createHmac('sha256', key.verifyKey).update(data).digest();
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    }
    case 'EdDSA':
      return signature.length === 64 && cryptoVerify(null, data, key.verifyKey, signature);
    case 'ES256':
      return (
        signature.length === 64 && cryptoVerify('sha256', data, { key: key.verifyKey, dsaEncoding: 'ieee-p1363' }, signature)
      );
  }
}
