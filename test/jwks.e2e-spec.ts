import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { Clock } from '../src/platform/clock';
import { SecretsRefresher } from '../src/platform/secrets';
import { createTestApp, type TestApp } from './support/app';
import { bearer, login, register, uniqueEmail } from './support/auth';
import { createTestDatabase, type TestDatabase } from './support/database';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const pem = (key: KeyObject): string => key.export({ format: 'pem', type: 'pkcs8' }).toString();
const jwk = (key: KeyObject, extra: object): Json => ({ ...key.export({ format: 'jwk' }), ...extra });
const keySet = (...keys: Json[]): string => JSON.stringify({ keys });

/**
 * Asymmetric access tokens (docs/identity.md, "Access tokens"; docs/operations/secret-rotation.md):
 * an independent verifier (`jose` with the app's own published key set) accepts the app's tokens,
 * and a key rotation across two instances never fails a fresh token.
 */
describe('asymmetric access tokens and the JWKS (e2e)', () => {
  describe.each([
    ['EdDSA', () => generateKeyPairSync('ed25519')],
    ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ] as const)('%s', (alg, generate) => {
    let t: TestApp;
    let base: string;

    beforeAll(async () => {
      t = await createTestApp({ env: { JWT_ALG: alg, JWT_PRIVATE_KEY: pem(generate().privateKey) } });
      await t.app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await t?.close();
    });

    it('publishes only public keys, cacheably, and a discovery document pointing at them', async () => {
      const res = await fetch(`${base}/.well-known/jwks.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      const body = (await res.json()) as { keys: Json[] };
      expect(body.keys).toEqual([expect.objectContaining({ alg, use: 'sig', kid: expect.any(String) })]);
      expect(JSON.stringify(body)).not.toMatch(/"d"|"k"/);
      const discovery = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as Json;
      expect(discovery).toMatchObject({
        issuer: 'bastion',
        jwks_uri: expect.stringMatching(/\/\.well-known\/jwks\.json$/),
        id_token_signing_alg_values_supported: [alg],
      });
    });

    it('issues tokens an independent client verifies against the published key set', async () => {
      const email = uniqueEmail(`jwks-${alg.toLowerCase()}`);
      await register(t, email);
      const tokens = await login(t, email);
      expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg, typ: 'JWT' });
      const jwks = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: 'bastion', audience: 'bastion-api' });
      expect(payload).toMatchObject({ sid: expect.any(String), role: 'user', auth_time: expect.any(Number) });
      const me = await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokens) });
      expect(me.json()).toMatchObject({ email, id: payload.sub });
    });
  });

  it('outside production, JWT_ALG=ES256 without a key starts with a per-process key, and warns about it', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn');
    const t = await createTestApp({ env: { JWT_ALG: 'ES256' } });
    try {
      expect(warned.mock.calls.map(([message]) => String(message))).toContain(
        'JWT_PRIVATE_KEY is not set: using a random per-process ES256 key (tokens do not survive a restart)',
      );
      const email = uniqueEmail('dev-key');
      await register(t, email);
      const tokens = await login(t, email);
      const { alg, kid } = decodeProtectedHeader(tokens.access_token);
      expect(alg).toBe('ES256');
      expect((await t.inject({ url: '/.well-known/jwks.json' })).json<Json>().keys).toEqual([
        expect.objectContaining({ alg: 'ES256', kid }),
      ]);
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokens) })).statusCode).toBe(200);
    } finally {
      warned.mockRestore();
      await t.close();
    }
  });

  it('re-reads the keys from JWT_KEYS_FILE on a refresh (SIGHUP), without a restart', async () => {
    const k1 = generateKeyPairSync('ed25519');
    const k2 = generateKeyPairSync('ed25519');
    const file = join(mkdtempSync(join(tmpdir(), 'bastion-keys-')), 'jwt-keys.json');
    writeFileSync(file, keySet(jwk(k1.privateKey, { kid: 'f1', status: 'active' })), { mode: 0o600 });
    const t = await createTestApp({ env: { JWT_ALG: 'EdDSA', JWT_KEYS_FILE: file } });
    try {
      const email = uniqueEmail('keys-file');
      await register(t, email);
      const before = await login(t, email);
      expect(decodeProtectedHeader(before.access_token).kid).toBe('f1');
      writeFileSync(
        file,
        keySet(
          jwk(k1.publicKey, { kid: 'f1', status: 'retired', retired_at: new Date().toISOString() }),
          jwk(k2.privateKey, { kid: 'f2', status: 'active' }),
        ),
      );
      expect(await t.app.get(SecretsRefresher).refresh()).toEqual(['JWT_KEYS']);
      const after = await login(t, email);
      expect(decodeProtectedHeader(after.access_token).kid).toBe('f2');
      for (const token of [before, after]) {
        expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(200);
      }
      const published = (await t.inject({ url: '/.well-known/jwks.json' })).json<Json>().keys.map((k: Json) => k.kid);
      expect(published).toEqual(['f1', 'f2']);
      // A broken set is refused: the keys in use stay.
      writeFileSync(file, '{"keys": [{"status": "active"}]}');
      await t.app.get(SecretsRefresher).refresh();
      expect(decodeProtectedHeader((await login(t, email)).access_token).kid).toBe('f2');
    } finally {
      await t.close();
    }
  });

  describe('rotation next → active → retired on two instances', () => {
    let db: TestDatabase;
    const instances: Record<'a' | 'b', TestApp | undefined> = { a: undefined, b: undefined };
    const k1 = generateKeyPairSync('ed25519');
    const k2 = generateKeyPairSync('ed25519');
    const email = uniqueEmail('rotation');

    beforeAll(async () => {
      db = await createTestDatabase('jwks-rotation');
    });

    afterAll(async () => {
      jest.restoreAllMocks();
      for (const t of Object.values(instances)) await t?.close();
      await db?.drop();
    });

    /** (Re)starts instance `name` with this key set, like a rolling deploy does. */
    async function deploy(name: 'a' | 'b', keys: string): Promise<TestApp> {
      await instances[name]?.close();
      const t = await createTestApp({ db, env: { JWT_ALG: 'EdDSA', JWT_KEYS: keys } });
      instances[name] = t;
      return t;
    }

    /** A token from `from`, and whether each running instance accepts it. */
    async function crossCheck(from: 'a' | 'b'): Promise<{ kid: unknown; accepted: boolean[] }> {
      const issuer = instances[from]!;
      const tokens = await login(issuer, email);
      const accepted: boolean[] = [];
      for (const t of [instances.a!, instances.b!]) {
        accepted.push((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tokens) })).statusCode === 200);
      }
      return { kid: decodeProtectedHeader(tokens.access_token).kid, accepted };
    }

    it('never fails a fresh token on either instance, and refuses the old key after its window', async () => {
      const phase0 = keySet(jwk(k1.privateKey, { kid: 'k1', status: 'active' }));
      const phase1 = keySet(
        jwk(k1.privateKey, { kid: 'k1', status: 'active' }),
        jwk(k2.privateKey, { kid: 'k2', status: 'next' }),
      );
      const retiredAt = new Date();
      const phase2 = keySet(
        jwk(k1.publicKey, { kid: 'k1', status: 'retired', retired_at: retiredAt.toISOString() }),
        jwk(k2.privateKey, { kid: 'k2', status: 'active' }),
      );

      await deploy('a', phase0);
      await deploy('b', phase0);
      await register(instances.a!, email);
      const beforeSwitch = await login(instances.a!, email);

      // Publish k2 as next: one instance at a time.
      await deploy('a', phase1);
      expect(await crossCheck('a')).toEqual({ kid: 'k1', accepted: [true, true] });
      expect(await crossCheck('b')).toEqual({ kid: 'k1', accepted: [true, true] });
      await deploy('b', phase1);
      expect((await instances.b!.inject({ url: '/.well-known/jwks.json' })).json<Json>().keys.map((k: Json) => k.kid)).toEqual([
        'k1',
        'k2',
      ]);

      // Activate k2 (k1 retired): mid-rollout each instance trusts the other's tokens.
      await deploy('a', phase2);
      expect(await crossCheck('a')).toEqual({ kid: 'k2', accepted: [true, true] });
      expect(await crossCheck('b')).toEqual({ kid: 'k1', accepted: [true, true] });
      await deploy('b', phase2);
      expect(await crossCheck('b')).toEqual({ kid: 'k2', accepted: [true, true] });

      // A token signed before the switch keeps working inside k1's window…
      const me = (t: TestApp, token: string) =>
        t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
      expect((await me(instances.a!, beforeSwitch.access_token)).statusCode).toBe(200);
      // …and is refused on both once every token k1 signed has expired (the access-token lifetime and the tolerance).
      const after = new Date(retiredAt.getTime() + (15 * 60 + 5) * 1000);
      for (const t of [instances.a!, instances.b!]) jest.spyOn(t.app.get(Clock), 'now').mockReturnValue(after);
      expect((await me(instances.a!, beforeSwitch.access_token)).statusCode).toBe(401);
      expect((await me(instances.b!, beforeSwitch.access_token)).statusCode).toBe(401);
      expect((await instances.a!.inject({ url: '/.well-known/jwks.json' })).json<Json>().keys.map((k: Json) => k.kid)).toEqual([
        'k2',
      ]);
      // Fresh tokens are fine all along.
      expect(await crossCheck('a')).toEqual({ kid: 'k2', accepted: [true, true] });
    });
  });
});
