import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import type { EnvReader } from '../../platform/config/env-reader';

export const JWT_ALGORITHMS = ['EdDSA', 'ES256', 'HS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
export const KEY_STATES = ['next', 'active', 'retired'] as const;
export type KeyState = (typeof KEY_STATES)[number];

/**
 * One key of the access-token keyring. `next`: published (and accepted, so an instance that
 * already signs with it is trusted by one that has not switched yet), not signing; `active`:
 * signs; `retired`: published and accepted until `acceptUntil` (every token it signed has
 * expired), then ignored.
 */
export interface JwtKey {
  kid: string;
  alg: JwtAlgorithm;
  state: KeyState;
  /** The private key (asymmetric) or the secret (HS256); required for `active`. */
  signingKey?: KeyObject;
  /** The public key (asymmetric) or the secret (HS256). */
  verifyKey: KeyObject;
  /** Retired keys: the end of their acceptance window. */
  acceptUntil?: Date;
}

export interface JwtKeySettings {
  /** What the active key signs with (JWT_ALG, or inferred from the keys). */
  algorithm: JwtAlgorithm;
  keys: JwtKey[];
  /**
   * True when `JWT_ALG` asked for EdDSA or ES256 outside production without any key, and the
   * active key is a per-process one made at start (warned about: tokens do not survive a restart).
   */
  generated: boolean;
}

/** The keyring in one log line (kids, algorithms, states; never key material): `EdDSA; keys k2 (EdDSA, active), …`. */
export function describeKeys({ algorithm, keys }: JwtKeySettings): string {
  return `${algorithm}; keys ${keys.map((k) => `${k.kid} (${k.alg}, ${k.state})`).join(', ')}`;
}

/** `kid` of an HMAC secret: a short fingerprint, never the secret. */
export function hmacKeyId(secret: string): string {
  return `hs-${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key: its default `kid`. */
export function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const members =
    jwk.kty === 'OKP'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
      : jwk.kty === 'EC'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** The JWS algorithm a public key is for; undefined for keys Bastion does not sign with. */
export function algorithmOf(publicKey: KeyObject): Exclude<JwtAlgorithm, 'HS256'> | undefined {
  if (publicKey.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (publicKey.asymmetricKeyType === 'ec' && publicKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

/**
 * Whether `signingKey` signs what `verifyKey` verifies. `node:crypto` takes a P-256 JWK (or PEM)
 * whose private part belongs to another key than its public part, and the public part is what
 * gets published: such a key would sign tokens nobody can verify.
 */
function pairHolds(alg: Exclude<JwtAlgorithm, 'HS256'>, signingKey: KeyObject, verifyKey: KeyObject): boolean {
  const probe = Buffer.from('bastion access-token key check');
  const digest = alg === 'ES256' ? 'sha256' : null;
  try {
    return verify(digest, probe, verifyKey, sign(digest, probe, signingKey));
  } catch {
    return false;
  }
}

const developmentKeys: Partial<Record<Exclude<JwtAlgorithm, 'HS256'>, KeyObject>> = {};

/**
 * Outside production, `JWT_ALG=EdDSA` or `ES256` without a key signs with a key made at start:
 * one per process and algorithm (as the generated `JWT_SECRET` is), so every app of the process
 * (a test's second instance) trusts the same tokens.
 */
function developmentKey(alg: Exclude<JwtAlgorithm, 'HS256'>): JwtKey {
  developmentKeys[alg] ??=
    alg === 'EdDSA' ? generateKeyPairSync('ed25519').privateKey : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const signingKey = developmentKeys[alg];
  const verifyKey = createPublicKey(signingKey);
  return { kid: thumbprint(verifyKey), alg, state: 'active', signingKey, verifyKey };
}

/** A private or public key from PEM or JWK text. */
function parseKey(text: string): { signingKey?: KeyObject; verifyKey: KeyObject; jwk?: Record<string, unknown> } {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const jwk = JSON.parse(trimmed) as JsonWebKey & Record<string, unknown>;
    return fromJwk(jwk);
  }
  if (/-----BEGIN (EC |)PRIVATE KEY-----/.test(trimmed)) {
    const signingKey = createPrivateKey(trimmed);
    return { signingKey, verifyKey: createPublicKey(signingKey) };
  }
  return { verifyKey: createPublicKey(trimmed) };
}

function fromJwk(jwk: JsonWebKey & Record<string, unknown>): {
  signingKey?: KeyObject;
  verifyKey: KeyObject;
  jwk: Record<string, unknown>;
} {
  const material = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d } as JsonWebKey;
  if (material.d) {
    const signingKey = createPrivateKey({ key: material, format: 'jwk' });
    return { signingKey, verifyKey: createPublicKey(signingKey), jwk };
  }
  return { verifyKey: createPublicKey({ key: material, format: 'jwk' }), jwk };
}

/**
 * Reads the access-token keys and reports every problem by variable name:
 * - `JWT_ALG`: `EdDSA`, `ES256` or `HS256` (default: the active key's algorithm; HS256 with `JWT_SECRET` or
 *   outside production without keys; production without any key is a problem). Outside production, EdDSA or ES256
 *   without any key signs with a per-process key of that algorithm (`generated`).
 * - HS256: `JWT_SECRET` signs, `JWT_PREVIOUS_SECRET` is a retired key accepted until `JWT_PREVIOUS_SECRET_VALID_UNTIL`.
 * - `JWT_PRIVATE_KEY`: one PEM or JWK private key (Ed25519 or P-256), the active key (`kid`: its thumbprint).
 * - `JWT_KEYS`: a JWK set `{"keys": [...]}` whose members carry `status` (`next`, `active`, `retired`) and, when
 *   retired, `retired_at` (ISO 8601); `kid` defaults to the thumbprint. Retired keys are accepted until
 *   `retired_at` + the access-token lifetime + the clock tolerance.
 * HMAC secrets come in through `hmac` (the existing JWT_SECRET rules are the caller's). A key whose private part does
 * not sign for its public part, and two keys with one `kid` (the same secret twice included), are problems.
 */
export function readJwtKeys(
  r: EnvReader,
  production: boolean,
  accessTokenTtl: number,
  clockToleranceSeconds: number,
  hmac: { secret: string; secretGiven: boolean; previous?: string; previousValidUntil?: Date },
): JwtKeySettings {
  const alg = r.string('JWT_ALG');
  if (alg !== undefined && !(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
    r.problem('JWT_ALG', `must be one of ${JWT_ALGORITHMS.join(', ')} (got "${alg}")`);
  }
  const keys: JwtKey[] = [];
  const privateKey = r.string('JWT_PRIVATE_KEY');
  if (privateKey !== undefined) {
    try {
      const { signingKey, verifyKey } = parseKey(privateKey);
      const keyAlg = algorithmOf(verifyKey);
      if (!signingKey) r.problem('JWT_PRIVATE_KEY', 'is a public key: the signing key must be private');
      else if (!keyAlg) r.problem('JWT_PRIVATE_KEY', 'must be an Ed25519 (EdDSA) or P-256 (ES256) key');
      else if (!pairHolds(keyAlg, signingKey, verifyKey))
        r.problem('JWT_PRIVATE_KEY', 'has a public part that does not belong to its private part');
      else keys.push({ kid: thumbprint(verifyKey), alg: keyAlg, state: 'active', signingKey, verifyKey });
    } catch {
      r.problem('JWT_PRIVATE_KEY', 'is not a PEM or JWK key (generate one with `npm run keys:generate`)');
    }
  }
  const set = r.string('JWT_KEYS');
  if (set !== undefined) {
    if (privateKey !== undefined) r.problem('JWT_KEYS', 'cannot be combined with JWT_PRIVATE_KEY: list the key in JWT_KEYS');
    keys.push(...readKeySet(r, set, accessTokenTtl + clockToleranceSeconds));
  }
  const active = keys.filter((k) => k.state === 'active');
  if (active.length > 1) r.problem('JWT_KEYS', `has ${active.length} active keys: exactly one signs`);
  const keysVariable = privateKey !== undefined && set === undefined ? 'JWT_PRIVATE_KEY' : 'JWT_KEYS';

  const algorithm: JwtAlgorithm =
    (alg as JwtAlgorithm | undefined) ?? active[0]?.alg ?? (production && !hmac.secretGiven ? 'EdDSA' : 'HS256');
  // Each key with the variable it came from, for the problems: the signing secret first.
  const sourced: [string, JwtKey][] = [];
  let generated = false;
  if (algorithm === 'HS256') {
    if (active.length > 0) r.problem('JWT_ALG', `is HS256 but an ${active[0].alg} key is active: set JWT_ALG=${active[0].alg}`);
    const secret = createSecretKey(Buffer.from(hmac.secret, 'utf8'));
    sourced.push([
      'JWT_SECRET',
      { kid: hmacKeyId(hmac.secret), alg: 'HS256', state: 'active', signingKey: secret, verifyKey: secret },
    ]);
  }
  if (hmac.previous && hmac.previousValidUntil) {
    const secret = createSecretKey(Buffer.from(hmac.previous, 'utf8'));
    sourced.push([
      'JWT_PREVIOUS_SECRET',
      { kid: hmacKeyId(hmac.previous), alg: 'HS256', state: 'retired', verifyKey: secret, acceptUntil: hmac.previousValidUntil },
    ]);
  }
  if (algorithm !== 'HS256') {
    const nothingConfigured = privateKey === undefined && set === undefined;
    if (active.length === 0 && !production && nothingConfigured && (algorithm === 'EdDSA' || algorithm === 'ES256')) {
      keys.push(developmentKey(algorithm));
      generated = true;
    } else if (active.length === 0) {
      r.problem(
        nothingConfigured ? 'JWT_PRIVATE_KEY' : 'JWT_KEYS',
        `is required for ${algorithm}${alg === undefined ? ' (the production default)' : ''}: an active ${algorithm} private key ` +
          `(generate one with \`npm run keys:generate -- --alg ${algorithm}\`)` +
          (alg === undefined ? '; or keep HS256 with JWT_ALG=HS256 and JWT_SECRET' : ''),
      );
    } else if (active[0].alg !== algorithm) {
      r.problem('JWT_ALG', `is ${algorithm} but the active key is ${active[0].alg}`);
    }
  }
  for (const key of keys) sourced.push([keysVariable, key]);
  reportRepeatedKids(r, sourced);
  return { algorithm, keys: sourced.map(([, key]) => key), generated };
}

/**
 * A token names its key by `kid` alone, so two keys with one kid are a problem, HMAC secrets
 * included: `JWT_PREVIOUS_SECRET` equal to `JWT_SECRET` has its kid, and the keyring would keep
 * one of the two (the retired one: nothing it signs verifies once its window ends).
 */
function reportRepeatedKids(r: EnvReader, sourced: [string, JwtKey][]): void {
  const seen = new Map<string, string>();
  for (const [variable, key] of sourced) {
    const first = seen.get(key.kid);
    if (first === undefined) seen.set(key.kid, variable);
    else if (first === variable) r.problem(variable, `names kid "${key.kid}" twice`);
    else if (key.alg === 'HS256')
      r.problem(variable, `is the same secret as ${first}: set the secret being rotated out, or remove it`);
    else r.problem(variable, `has kid "${key.kid}", as ${first} does: each key needs its own kid`);
  }
}

function readKeySet(r: EnvReader, text: string, retiredWindowSeconds: number): JwtKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    r.problem('JWT_KEYS', 'is not JSON (a JWK set: {"keys": [...]})');
    return [];
  }
  const members = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(members) || members.length === 0) {
    r.problem('JWT_KEYS', 'must be a JWK set with at least one key: {"keys": [...]}');
    return [];
  }
  const keys: JwtKey[] = [];
  members.forEach((member: unknown, index) => {
    const where = `key ${index + 1}`;
    if (typeof member !== 'object' || member === null) {
      r.problem('JWT_KEYS', `${where} is not a JWK object`);
      return;
    }
    const jwk = member as JsonWebKey & { kid?: unknown; status?: unknown; retired_at?: unknown };
    const state = jwk.status;
    if (!(KEY_STATES as readonly unknown[]).includes(state)) {
      r.problem('JWT_KEYS', `${where}: "status" must be one of ${KEY_STATES.join(', ')}`);
      return;
    }
    let parsedKey: ReturnType<typeof fromJwk>;
    try {
      parsedKey = fromJwk(jwk);
    } catch {
      r.problem('JWT_KEYS', `${where} is not a valid Ed25519 or P-256 JWK`);
      return;
    }
    const alg = algorithmOf(parsedKey.verifyKey);
    if (!alg) {
      r.problem('JWT_KEYS', `${where} must be an Ed25519 (EdDSA) or P-256 (ES256) key`);
      return;
    }
    const kid = typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : thumbprint(parsedKey.verifyKey);
    const key: JwtKey = { kid, alg, state: state as KeyState, verifyKey: parsedKey.verifyKey };
    if (state === 'active' && !parsedKey.signingKey) {
      r.problem('JWT_KEYS', `${where} (${kid}) is active but has no private part ("d")`);
      return;
    }
    if ((state === 'active' || state === 'next') && parsedKey.signingKey) {
      if (!pairHolds(alg, parsedKey.signingKey, parsedKey.verifyKey)) {
        r.problem('JWT_KEYS', `${where} (${kid}): its private part ("d") does not belong to its public part ("x", "y")`);
        return;
      }
      key.signingKey = parsedKey.signingKey;
    }
    if (state === 'retired') {
      const retiredAt = typeof jwk.retired_at === 'string' ? new Date(jwk.retired_at) : undefined;
      if (!retiredAt || Number.isNaN(retiredAt.getTime())) {
        r.problem('JWT_KEYS', `${where} (${kid}) is retired without a valid "retired_at" (ISO 8601)`);
        return;
      }
      key.acceptUntil = new Date(retiredAt.getTime() + retiredWindowSeconds * 1000);
    }
    keys.push(key);
  });
  return keys;
}
