import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { RawEnv } from '../../../platform/config';
import { resolveSecrets, type SecretFetch, type SecretProvider, SecretsRefresher } from '../../../platform/secrets';
import { parseIdentityConfig } from '../identity.config';
import { thumbprint } from '../jwt-keys.config';
import { JwtCodec, JwtKeyring, keyId, kidOf } from './jwt-keys';
import { reloadKeysOnChange } from './jwt-keys-reloader';

const CURRENT = 'current-secret-4f9c2a7e1b8d3c6f0a5e9b2d7c4f1a8e';
const PREVIOUS = 'previous-secret-7b2e5d1c9a3f8e4b6a0d2c7f1e9b3a5d';
const ROTATED = 'rotated-secret-1a8e4f9c2a7e1b8d3c6f0a5e9b2d7c4f';
const TOMORROW = new Date(Date.now() + 86_400_000).toISOString();

/** Vault, as far as the refresher sees it: the test changes what it holds between reads. */
class ScriptedVault implements SecretProvider {
  readonly source = 'vault' as const;
  readonly label = 'vault secret/test';
  constructor(public values: Record<string, string>) {}
  fetch(): Promise<SecretFetch> {
    return Promise.resolve({ values: new Map(Object.entries(this.values)), problems: [] });
  }
}

const jwk = (key: KeyObject, extra: object): string => JSON.stringify({ ...key.export({ format: 'jwk' }), ...extra });

/** A token of the keys `raw` makes (how another instance, or this one before a rotation, signed). */
function signedWith(raw: RawEnv): string {
  const config = parseIdentityConfig({ APP_ENV: 'test', ...raw });
  return new JwtCodec(new JwtKeyring(config.jwtKeys), config).sign({ sid: 's1' }, { subject: 'u1', jti: 'j1', ttlSeconds: 60 });
}

/**
 * The identity module's wiring: secrets resolved from `env` and `vault`, the keyring built from
 * the environment as it then is (Vault's values written in), and reloaded on every change.
 */
async function start(env: RawEnv, vault: ScriptedVault): Promise<{ codec: JwtCodec; refresher: SecretsRefresher }> {
  const raw: RawEnv = { APP_ENV: 'test', ...env };
  const resolution = await resolveSecrets(raw, { production: false, provider: vault });
  expect(resolution.problems).toEqual([]);
  const refresher = new SecretsRefresher(resolution);
  const startedWith = { ...raw };
  const config = parseIdentityConfig(startedWith);
  const codec = new JwtCodec(new JwtKeyring(config.jwtKeys), config);
  reloadKeysOnChange(codec, refresher, startedWith);
  return { codec, refresher };
}

describe('reloadKeysOnChange', () => {
  let errors: string[];
  beforeEach(() => {
    errors = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
  });
  afterEach(() => jest.restoreAllMocks());

  const verifies = (codec: JwtCodec, token: string): boolean => codec.verify(token, new Date()) !== undefined;

  it('unsets a key setting removed from Vault: the retired previous secret is no longer accepted', async () => {
    const vault = new ScriptedVault({ JWT_SECRET: CURRENT, JWT_PREVIOUS_SECRET: PREVIOUS });
    const { codec, refresher } = await start({ JWT_PREVIOUS_SECRET_VALID_UNTIL: TOMORROW }, vault);
    const old = signedWith({ JWT_SECRET: PREVIOUS });
    expect(verifies(codec, old)).toBe(true);

    vault.values = { JWT_SECRET: CURRENT };
    expect(await refresher.refresh()).toEqual(['JWT_PREVIOUS_SECRET']);
    expect(errors).toEqual([]);
    expect(verifies(codec, old)).toBe(false);
    expect(verifies(codec, signedWith({ JWT_SECRET: CURRENT }))).toBe(true);
  });

  it('takes JWT_KEYS in place of a JWT_PRIVATE_KEY removed from Vault in the same change', async () => {
    const k1 = generateKeyPairSync('ed25519');
    const k2 = generateKeyPairSync('ed25519');
    const vault = new ScriptedVault({ JWT_PRIVATE_KEY: k1.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() });
    const { codec, refresher } = await start({ JWT_ALG: 'EdDSA' }, vault);
    const sign = () => codec.sign({ sid: 's1' }, { subject: 'u1', jti: 'j1', ttlSeconds: 60 });
    const before = sign();
    expect(kidOf(before)).toBe(thumbprint(k1.publicKey));

    const retiredAt = new Date().toISOString();
    vault.values = {
      JWT_KEYS: `{"keys":[${jwk(k1.publicKey, { kid: thumbprint(k1.publicKey), status: 'retired', retired_at: retiredAt })},${jwk(
        k2.privateKey,
        { kid: 'k2', status: 'active' },
      )}]}`,
    };
    expect(await refresher.refresh()).toEqual(['JWT_KEYS', 'JWT_PRIVATE_KEY']);
    expect(errors).toEqual([]);
    expect(kidOf(sign())).toBe('k2');
    expect(verifies(codec, before)).toBe(true);
  });

  it('keeps a key setting of the environment whatever Vault does (the environment cannot change)', async () => {
    const vault = new ScriptedVault({ JWT_SECRET: CURRENT });
    const { codec, refresher } = await start({ JWT_PREVIOUS_SECRET: PREVIOUS, JWT_PREVIOUS_SECRET_VALID_UNTIL: TOMORROW }, vault);
    const old = signedWith({ JWT_SECRET: PREVIOUS });
    vault.values = { JWT_SECRET: ROTATED };
    expect(await refresher.refresh()).toEqual(['JWT_SECRET']);
    expect(errors).toEqual([]);
    expect(verifies(codec, old)).toBe(true);
    expect(kidOf(codec.sign({}, { subject: 'u1', jti: 'j1', ttlSeconds: 60 }))).toBe(keyId(ROTATED));
    expect(verifies(codec, signedWith({ JWT_SECRET: CURRENT }))).toBe(false);
  });
});
