import { createPrivateKey, createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { EnvReader, type RawEnv } from '../../../platform/config/env-reader';
import { type JwtKeySettings, readJwtKeys, thumbprint } from '../jwt-keys.config';
import { JwtCodec, JwtKeyring, keyId, kidOf } from './jwt-keys';

const SECRET = 'current-secret-'.padEnd(64, 'c');
const PREVIOUS = 'previous-secret-'.padEnd(64, 'p');
const TTL = 900;
const TOLERANCE = 5;
const NOW = new Date();
const CONFIG = { jwtIssuer: 'bastion', jwtAudience: 'bastion-api', jwtClockTolerance: TOLERANCE };

const ed = () => generateKeyPairSync('ed25519');
const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwkOf = (key: KeyObject, extra: object): string => JSON.stringify({ ...key.export({ format: 'jwk' }), ...extra });
const pem = (key: KeyObject): string => key.export({ format: 'pem', type: 'pkcs8' }).toString();

/** A P-256 private key whose public part ("x", "y") is another key's: node:crypto takes it as it is. */
function mismatchedP256(): KeyObject {
  const { d } = p256().privateKey.export({ format: 'jwk' });
  const { x, y } = p256().publicKey.export({ format: 'jwk' });
  return createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x, y, d }, format: 'jwk' });
}

/** The keyring settings `raw` makes (production unless said), or the problems it has. */
function settings(raw: RawEnv, production = true): { keys: JwtKeySettings; problems: string[] } {
  const r = new EnvReader(raw);
  const secret = raw.JWT_SECRET ?? SECRET;
  const keys = readJwtKeys(r, production, TTL, TOLERANCE, {
    secret,
    secretGiven: raw.JWT_SECRET !== undefined,
    previous: raw.JWT_PREVIOUS_SECRET,
    previousValidUntil: raw.JWT_PREVIOUS_SECRET_VALID_UNTIL ? new Date(raw.JWT_PREVIOUS_SECRET_VALID_UNTIL) : undefined,
  });
  return { keys, problems: r.problems.map((p) => `${p.variable}: ${p.message}`) };
}

function codecFor(raw: RawEnv, production = true): JwtCodec {
  const { keys, problems } = settings(raw, production);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return new JwtCodec(new JwtKeyring(keys), CONFIG);
}

const sign = (codec: JwtCodec, claims: object = { sid: 's1' }) =>
  codec.sign({ ...claims }, { subject: 'u1', jti: 'j1', ttlSeconds: TTL });

/** A compact JWT with this header and payload and no signature check anyone should pass. */
function unsigned(header: object, payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.`;
}

describe('access-token keys: HS256', () => {
  it('signs with the secret under its fingerprint kid and verifies what it signed', () => {
    const codec = codecFor({ JWT_SECRET: SECRET, JWT_ALG: 'HS256' });
    const token = sign(codec);
    expect(kidOf(token)).toBe(keyId(SECRET));
    expect(codec.verify(token, NOW)).toMatchObject({ sub: 'u1', sid: 's1', iss: 'bastion', aud: 'bastion-api' });
  });

  it('refuses a previous secret equal to JWT_SECRET: one kid for two keys, and the retired one would win', () => {
    const until = new Date(NOW.getTime() + 60_000).toISOString();
    const same = { JWT_SECRET: SECRET, JWT_ALG: 'HS256', JWT_PREVIOUS_SECRET: SECRET, JWT_PREVIOUS_SECRET_VALID_UNTIL: until };
    expect(settings(same).problems).toEqual([
      'JWT_PREVIOUS_SECRET: is the same secret as JWT_SECRET: set the secret being rotated out, or remove it',
    ]);
    // Built anyway, the keyring refuses too: it would keep the retired key under the signing key's kid.
    expect(() => new JwtKeyring(settings(same).keys)).toThrow('The keyring names a kid twice.');
    // A JWK named like the previous secret's kid, on an EdDSA deployment that still accepts HS256 tokens.
    const { problems } = settings({
      JWT_ALG: 'EdDSA',
      JWT_PREVIOUS_SECRET: PREVIOUS,
      JWT_PREVIOUS_SECRET_VALID_UNTIL: until,
      JWT_KEYS: `{"keys":[${jwkOf(ed().privateKey, { kid: keyId(PREVIOUS), status: 'active' })}]}`,
    });
    expect(problems).toEqual([`JWT_KEYS: has kid "${keyId(PREVIOUS)}", as JWT_PREVIOUS_SECRET does: each key needs its own kid`]);
  });

  it('accepts the previous secret only until the end of its window', () => {
    const until = new Date(NOW.getTime() + 60_000);
    const before = codecFor({ JWT_SECRET: PREVIOUS, JWT_ALG: 'HS256' });
    const old = sign(before);
    const after = codecFor({
      JWT_SECRET: SECRET,
      JWT_ALG: 'HS256',
      JWT_PREVIOUS_SECRET: PREVIOUS,
      JWT_PREVIOUS_SECRET_VALID_UNTIL: until.toISOString(),
    });
    expect(after.verify(old, NOW)).toMatchObject({ sub: 'u1' });
    expect(after.verify(old, until)).toBeUndefined();
  });
});

describe.each([
  ['EdDSA', ed],
  ['ES256', p256],
] as const)('access-token keys: %s', (alg, generate) => {
  it('signs with the active key (kid: its thumbprint) and publishes only public keys', () => {
    const { privateKey, publicKey } = generate();
    const codec = codecFor({ JWT_ALG: alg, JWT_PRIVATE_KEY: pem(privateKey) });
    const token = sign(codec);
    expect(kidOf(token)).toBe(thumbprint(publicKey));
    expect(codec.verify(token, NOW)).toMatchObject({ sub: 'u1' });
    const published = codec.keys.published(NOW);
    expect(published).toEqual([expect.objectContaining({ kid: thumbprint(publicKey), alg, use: 'sig' })]);
    expect(JSON.stringify(published)).not.toContain('"d"');
  });

  it('walks next → active → retired: the next key is trusted before it signs, the retired one until its window ends', () => {
    const one = generate();
    const two = generate();
    const phase1 = codecFor({
      JWT_KEYS: `{"keys":[${jwkOf(one.privateKey, { kid: 'k1', status: 'active' })},${jwkOf(two.privateKey, { kid: 'k2', status: 'next' })}]}`,
    });
    const retiredAt = NOW;
    const phase2 = codecFor({
      JWT_KEYS: `{"keys":[${jwkOf(one.publicKey, { kid: 'k1', status: 'retired', retired_at: retiredAt.toISOString() })},${jwkOf(two.privateKey, { kid: 'k2', status: 'active' })}]}`,
    });
    expect(phase1.keys.published(NOW).map((k) => k.kid)).toEqual(['k1', 'k2']);
    const byOne = sign(phase1);
    const byTwo = sign(phase2);
    expect(kidOf(byTwo)).toBe('k2');
    // Mid-rollout: each phase trusts the other's tokens.
    expect(phase1.verify(byTwo, NOW)).toMatchObject({ sub: 'u1' });
    expect(phase2.verify(byOne, NOW)).toMatchObject({ sub: 'u1' });
    // The retired key: until the access-token lifetime (and the tolerance) has passed since it retired.
    const windowEnd = new Date(retiredAt.getTime() + (TTL + TOLERANCE) * 1000);
    expect(phase2.verify(byOne, new Date(windowEnd.getTime() - 1000))).toBeDefined();
    expect(phase2.verify(byOne, windowEnd)).toBeUndefined();
    expect(phase2.keys.published(windowEnd).map((k) => k.kid)).toEqual(['k2']);
  });

  it('refuses an HS256 token, a token HMAC-signed with the public key, an unknown kid and alg none', async () => {
    const { privateKey, publicKey } = generate();
    const codec = codecFor({ JWT_ALG: alg, JWT_PRIVATE_KEY: pem(privateKey) });
    const kid = thumbprint(publicKey);
    const claims = { sub: 'u1', sid: 's1', iss: 'bastion', aud: 'bastion-api' };
    const hs = (key: KeyObject, headerKid: string) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: headerKid }).setExpirationTime('1m').sign(key);
    // An HS256 token of a secret this deployment does not sign with.
    expect(codec.verify(await hs(createSecretKey(Buffer.from(SECRET)), keyId(SECRET)), NOW)).toBeUndefined();
    // The classic confusion: the public key (as published) used as an HMAC secret, under the asymmetric key's kid.
    const publicPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(codec.verify(await hs(createSecretKey(Buffer.from(publicPem)), kid), NOW)).toBeUndefined();
    const publicJwk = JSON.stringify(publicKey.export({ format: 'jwk' }));
    expect(codec.verify(await hs(createSecretKey(Buffer.from(publicJwk)), kid), NOW)).toBeUndefined();
    // Signed by a key nobody configured, under a made-up kid and under the real kid.
    const stranger = generate().privateKey;
    const foreign = (headerKid: string) =>
      new SignJWT(claims).setProtectedHeader({ alg, kid: headerKid }).setExpirationTime('1m').sign(stranger);
    expect(codec.verify(await foreign('unknown'), NOW)).toBeUndefined();
    expect(codec.verify(await foreign(kid), NOW)).toBeUndefined();
    // alg none, with and without the kid.
    expect(codec.verify(unsigned({ alg: 'none', kid }, claims), NOW)).toBeUndefined();
    expect(codec.verify(unsigned({ alg: 'none' }, claims), NOW)).toBeUndefined();
    // Garbage.
    expect(codec.verify('not.a.jwt', NOW)).toBeUndefined();
  });

  it('checks a token’s signature once; a known token still needs its key at `now`, its claims, and the same keys', () => {
    const one = generate();
    const two = generate();
    const both = `{"keys":[${jwkOf(one.privateKey, { kid: 'k1', status: 'active' })},${jwkOf(two.privateKey, { kid: 'k2', status: 'next' })}]}`;
    const codec = codecFor({ JWT_KEYS: both });
    const token = sign(codec);
    // The module object itself (an `import * as` namespace cannot be spied on): what jwt-keys.ts calls.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const checks = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'verify');
    try {
      expect(codec.verify(token, NOW)).toMatchObject({ sub: 'u1' });
      expect(codec.verify(token, NOW)).toMatchObject({ sub: 'u1' });
      expect(checks).toHaveBeenCalledTimes(1);
      // Past exp (and the tolerance): refused although its signature was checked.
      const expired = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + (TTL + TOLERANCE + 1) * 1000);
      expect(codec.verify(token, NOW)).toBeUndefined();
      expired.mockRestore();
      // The expired lookup dropped it and checked it in full (refused on exp again); back in time it is
      // checked afresh once, and kept again.
      expect(checks).toHaveBeenCalledTimes(2);
      expect(codec.verify(token, NOW)).toBeDefined();
      expect(codec.verify(token, NOW)).toBeDefined();
      expect(checks).toHaveBeenCalledTimes(3);
      // k1 retired: known tokens hold until its window ends, as new ones would.
      const retired = `{"keys":[${jwkOf(one.publicKey, { kid: 'k1', status: 'retired', retired_at: NOW.toISOString() })},${jwkOf(two.privateKey, { kid: 'k2', status: 'active' })}]}`;
      codec.replace(new JwtKeyring(settings({ JWT_KEYS: retired }).keys));
      const windowEnd = new Date(NOW.getTime() + (TTL + TOLERANCE) * 1000);
      expect(codec.verify(token, new Date(windowEnd.getTime() - 1000))).toBeDefined();
      expect(codec.verify(token, windowEnd)).toBeUndefined();
      // k1 gone from the keys: refused, whatever was known of the token.
      expect(codec.verify(token, NOW)).toBeDefined();
      codec.replace(
        new JwtKeyring(settings({ JWT_KEYS: `{"keys":[${jwkOf(two.privateKey, { kid: 'k2', status: 'active' })}]}` }).keys),
      );
      expect(codec.verify(token, NOW)).toBeUndefined();
    } finally {
      checks.mockRestore();
    }
  });

  it('never keeps a token whose check failed, nor one changed by a single character', () => {
    const { privateKey } = generate();
    const codec = codecFor({ JWT_ALG: alg, JWT_PRIVATE_KEY: pem(privateKey) });
    const token = sign(codec);
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${Buffer.alloc(64, 1).toString('base64url')}`;
    expect(codec.verify(forged, NOW)).toBeUndefined();
    expect(codec.verify(forged, NOW)).toBeUndefined();
    expect(codec.verify(token, NOW)).toBeDefined();
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })).toString('base64url')}.${token.split('.')[2]}`;
    expect(codec.verify(tampered, NOW)).toBeUndefined();
  });

  it('checks iss, aud and exp (with the clock tolerance)', async () => {
    const { privateKey, publicKey } = generate();
    const codec = codecFor({ JWT_ALG: alg, JWT_PRIVATE_KEY: pem(privateKey) });
    const kid = thumbprint(publicKey);
    const token = (claims: object, exp: number) =>
      new SignJWT({ sid: 's1', ...claims }).setProtectedHeader({ alg, kid }).setExpirationTime(exp).sign(privateKey);
    const inAMinute = Math.floor(Date.now() / 1000) + 60;
    expect(codec.verify(await token({ iss: 'bastion', aud: 'bastion-api' }, inAMinute), NOW)).toBeDefined();
    expect(codec.verify(await token({ iss: 'other', aud: 'bastion-api' }, inAMinute), NOW)).toBeUndefined();
    expect(codec.verify(await token({ iss: 'bastion', aud: 'other' }, inAMinute), NOW)).toBeUndefined();
    const now = Math.floor(Date.now() / 1000);
    expect(codec.verify(await token({ iss: 'bastion', aud: 'bastion-api' }, now - 2), NOW)).toBeDefined();
    expect(codec.verify(await token({ iss: 'bastion', aud: 'bastion-api' }, now - 60), NOW)).toBeUndefined();
  });
});

describe('access-token keys: what they sign is a standard JWT', () => {
  it.each([
    ['HS256', () => codecFor({ JWT_SECRET: SECRET, JWT_ALG: 'HS256' })],
    ['EdDSA', () => codecFor({ JWT_ALG: 'EdDSA', JWT_PRIVATE_KEY: pem(ed().privateKey) })],
    ['ES256', () => codecFor({ JWT_ALG: 'ES256', JWT_PRIVATE_KEY: pem(p256().privateKey) })],
  ] as const)('%s: jose verifies it with the keyring’s key, header and claims as set', async (alg, make) => {
    const codec = make();
    const before = Math.floor(Date.now() / 1000);
    const token = codec.sign({ sid: 's1', role: 'member', auth_time: before }, { subject: 'u1', jti: 'j1', ttlSeconds: TTL });
    const { signer } = codec.keys;
    const key = alg === 'HS256' ? signer.signingKey : signer.verifyKey;
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      algorithms: [alg],
      issuer: 'bastion',
      audience: 'bastion-api',
      typ: 'JWT',
    });
    expect(protectedHeader).toEqual({ alg, kid: signer.kid, typ: 'JWT' });
    expect(decodeProtectedHeader(token)).toEqual(protectedHeader);
    expect(payload).toEqual({
      sid: 's1',
      role: 'member',
      auth_time: before,
      sub: 'u1',
      jti: 'j1',
      iss: 'bastion',
      aud: 'bastion-api',
      iat: expect.any(Number) as number,
      exp: (payload.iat ?? 0) + TTL,
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(codec.verify(token, NOW)).toEqual(payload);
  });

  it('keeps the registered claims its own: a claim of the same name is overwritten', () => {
    const codec = codecFor({ JWT_SECRET: SECRET, JWT_ALG: 'HS256' });
    const token = codec.sign(
      { sub: 'someone-else', iss: 'evil', exp: 4_102_444_800 },
      { subject: 'u1', jti: 'j1', ttlSeconds: TTL },
    );
    expect(codec.verify(token, NOW)).toMatchObject({ sub: 'u1', iss: 'bastion' });
    expect(codec.verify(token, NOW)?.exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + TTL);
  });
});

describe('access-token keys: configuration problems', () => {
  const one = ed();
  const two = ed();

  it('defaults to EdDSA in a new production deployment, HS256 with JWT_SECRET or outside production', () => {
    expect(settings({}).problems).toEqual([
      expect.stringMatching(/^JWT_PRIVATE_KEY: is required for EdDSA \(the production default\)/),
    ]);
    expect(settings({ JWT_SECRET: SECRET }).keys.algorithm).toBe('HS256');
    expect(settings({}, false).keys.algorithm).toBe('HS256');
    expect(settings({ JWT_PRIVATE_KEY: pem(p256().privateKey) }).keys.algorithm).toBe('ES256');
  });

  it.each(['EdDSA', 'ES256'] as const)(
    'outside production, JWT_ALG=%s without a key signs with a key made at start, one per process (warned about)',
    (alg) => {
      const first = settings({ JWT_ALG: alg }, false);
      expect(first.problems).toEqual([]);
      expect(first.keys).toMatchObject({ algorithm: alg, generated: true });
      const signer = new JwtKeyring(first.keys).signer;
      expect(signer).toMatchObject({ alg, state: 'active', kid: thumbprint(signer.verifyKey) });
      // Every app of the process (a second instance in a test) trusts the same tokens.
      const codec = codecFor({ JWT_ALG: alg }, false);
      expect(codecFor({ JWT_ALG: alg }, false).verify(sign(codec), NOW)).toMatchObject({ sub: 'u1' });
      // Configured keys are never replaced by one, nor is a missing key in production.
      expect(
        settings({ JWT_ALG: alg, JWT_PRIVATE_KEY: pem((alg === 'EdDSA' ? ed : p256)().privateKey) }, false).keys.generated,
      ).toBe(false);
      expect(settings({ JWT_ALG: alg }).problems).toEqual([expect.stringMatching(`^JWT_PRIVATE_KEY: is required for ${alg}`)]);
      expect(
        settings({ JWT_ALG: alg, JWT_KEYS: `{"keys":[${jwkOf(ed().publicKey, { status: 'next' })}]}` }, false).problems,
      ).toEqual([expect.stringMatching(`^JWT_KEYS: is required for ${alg}`)]);
    },
  );

  it('refuses a P-256 key whose private part does not belong to its public part (its tokens would verify nowhere)', () => {
    const mixed = mismatchedP256();
    expect(settings({ JWT_KEYS: `{"keys":[${jwkOf(mixed, { kid: 'mixed', status: 'active' })}]}` }).problems).toEqual([
      'JWT_KEYS: key 1 (mixed): its private part ("d") does not belong to its public part ("x", "y")',
      expect.stringMatching(/^JWT_KEYS: is required for EdDSA/),
    ]);
    expect(
      settings({
        JWT_KEYS: `{"keys":[${jwkOf(p256().privateKey, { status: 'active' })},${jwkOf(mixed, { kid: 'n', status: 'next' })}]}`,
      }).problems,
    ).toEqual(['JWT_KEYS: key 2 (n): its private part ("d") does not belong to its public part ("x", "y")']);
    expect(settings({ JWT_ALG: 'ES256', JWT_PRIVATE_KEY: pem(mixed) }).problems).toContain(
      'JWT_PRIVATE_KEY: has a public part that does not belong to its private part',
    );
  });

  it('reports every problem of a key set by variable name', () => {
    const { problems } = settings({
      JWT_ALG: 'RS512',
      JWT_KEYS: `{"keys":[${jwkOf(one.privateKey, { status: 'active' })},${jwkOf(two.privateKey, { status: 'active' })},${jwkOf(
        one.publicKey,
        { kid: 'old', status: 'retired' },
      )},{"kty":"oct","k":"c2VjcmV0","status":"next"},${jwkOf(two.publicKey, { kid: 'pub', status: 'active' })}]}`,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'JWT_ALG: must be one of EdDSA, ES256, HS256 (got "RS512")',
        'JWT_KEYS: key 3 (old) is retired without a valid "retired_at" (ISO 8601)',
        expect.stringMatching(/^JWT_KEYS: key 4 /),
        'JWT_KEYS: key 5 (pub) is active but has no private part ("d")',
        'JWT_KEYS: has 2 active keys: exactly one signs',
      ]),
    );
  });

  it('refuses a public signing key, a key of another type, JSON that is no key set, and both variables at once', () => {
    expect(settings({ JWT_PRIVATE_KEY: one.publicKey.export({ format: 'pem', type: 'spki' }).toString() }).problems).toContain(
      'JWT_PRIVATE_KEY: is a public key: the signing key must be private',
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(settings({ JWT_PRIVATE_KEY: pem(rsa) }).problems).toContain(
      'JWT_PRIVATE_KEY: must be an Ed25519 (EdDSA) or P-256 (ES256) key',
    );
    expect(settings({ JWT_KEYS: 'nope' }).problems).toContain('JWT_KEYS: is not JSON (a JWK set: {"keys": [...]})');
    expect(settings({ JWT_PRIVATE_KEY: pem(one.privateKey), JWT_KEYS: '{"keys":[]}' }).problems).toEqual(
      expect.arrayContaining(['JWT_KEYS: cannot be combined with JWT_PRIVATE_KEY: list the key in JWT_KEYS']),
    );
    expect(settings({ JWT_ALG: 'HS256', JWT_SECRET: SECRET, JWT_PRIVATE_KEY: pem(one.privateKey) }).problems).toContain(
      'JWT_ALG: is HS256 but an EdDSA key is active: set JWT_ALG=EdDSA',
    );
    expect(settings({ JWT_ALG: 'ES256', JWT_PRIVATE_KEY: pem(one.privateKey) }).problems).toContain(
      'JWT_ALG: is ES256 but the active key is EdDSA',
    );
  });
});
