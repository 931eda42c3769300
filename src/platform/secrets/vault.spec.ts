import { FakeVault } from '../../../test/support/fake-vault';
import { startSilentServer, unusedPort } from '../../../test/support/fake-smtp-server';
import { readVaultSettings, type VaultSettings, VaultKvProvider } from './vault';

const TOKEN = 'hvs.root-token-for-the-fake-3b1f';
const ROLE = { roleId: 'role-7c2e', secretId: 'secret-id-91af0d' };

describe('readVaultSettings', () => {
  it('reads token auth, a namespace, the mount, path and interval', () => {
    const { settings, problems } = readVaultSettings(
      {
        SECRETS_PROVIDER: 'Vault',
        VAULT_ADDR: 'https://vault.internal:8200/',
        VAULT_NAMESPACE: 'team-a',
        VAULT_TOKEN: TOKEN,
        VAULT_KV_MOUNT: '/kv/',
        VAULT_SECRET_PATH: '/bastion/production',
        VAULT_REFRESH_INTERVAL: '10m',
      },
      true,
    );
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      address: 'https://vault.internal:8200',
      namespace: 'team-a',
      mount: 'kv',
      path: 'bastion/production',
      auth: { method: 'token', token: TOKEN },
      refreshIntervalSeconds: 600,
      timeoutMs: 5000,
    });
  });

  it('requires https in production (but loopback), one auth method, and a sane path', () => {
    const { problems } = readVaultSettings(
      {
        SECRETS_PROVIDER: 'vault',
        VAULT_ADDR: 'http://vault.internal:8200',
        VAULT_TOKEN: TOKEN,
        VAULT_ROLE_ID: ROLE.roleId,
        VAULT_SECRET_PATH: 'bastion/../other',
      },
      true,
    );
    expect(problems.map((p) => p.variable)).toEqual(['VAULT_ADDR', 'VAULT_SECRET_PATH', 'VAULT_TOKEN']);
    expect(JSON.stringify(problems)).not.toContain(TOKEN);
    const approle = readVaultSettings(
      { SECRETS_PROVIDER: 'vault', VAULT_ADDR: 'http://127.0.0.1:8200', VAULT_ROLE_ID: ROLE.roleId, VAULT_SECRET_PATH: 'b' },
      true,
    );
    expect(approle.problems).toEqual([{ variable: 'VAULT_SECRET_ID', message: 'is required when VAULT_ROLE_ID is set' }]);
  });
});

describe('VaultKvProvider (against the fake Vault KV v2 API)', () => {
  let vault: FakeVault;
  const settings = (overrides: Partial<VaultSettings> = {}): VaultSettings => ({
    address: vault.address,
    mount: 'secret',
    path: 'bastion/production',
    auth: { method: 'token', token: TOKEN },
    refreshIntervalSeconds: 0,
    timeoutMs: 2000,
    ...overrides,
  });

  beforeEach(async () => {
    vault = await FakeVault.start({ token: TOKEN, namespace: 'team-a', appRole: { ...ROLE, leaseSeconds: 60 } });
    vault.put('secret', 'bastion/production', {
      JWT_SECRET: 'vault-jwt',
      SMTP_PASSWORD: ' vault-smtp\n',
      NOT_A_SECRET: 'x',
      MFA_ENCRYPTION_KEYS: 42,
    });
  });
  afterEach(() => vault.stop());

  it('reads the secret settings of data.data with the token and namespace; others are left alone', async () => {
    const provider = new VaultKvProvider(settings({ namespace: 'team-a' }));
    expect(provider.label).toBe('vault secret/bastion/production');
    const { values, problems } = await provider.fetch();
    expect(Object.fromEntries(values)).toEqual({ JWT_SECRET: 'vault-jwt', SMTP_PASSWORD: 'vault-smtp' });
    expect(problems).toEqual([
      { variable: 'VAULT_SECRET_PATH', message: 'secret/bastion/production: MFA_ENCRYPTION_KEYS is not a string' },
    ]);
    expect(vault.requests).toEqual([
      { method: 'GET', path: '/v1/secret/data/bastion/production', token: TOKEN, namespace: 'team-a' },
    ]);
  });

  it('logs in with AppRole once, reuses the token within its lease, and logs in again when it is revoked', async () => {
    let now = 1_000_000;
    const provider = new VaultKvProvider(settings({ namespace: 'team-a', auth: { method: 'approle', ...ROLE } }), () => now);
    expect((await provider.fetch()).values.get('JWT_SECRET')).toBe('vault-jwt');
    expect((await provider.fetch()).values.size).toBe(2);
    expect(vault.count('/v1/auth/approle/login')).toBe(1);
    vault.revokeIssuedTokens();
    expect((await provider.fetch()).values.size).toBe(2);
    expect(vault.count('/v1/auth/approle/login')).toBe(2);
    now += 49_000; // 80 % of the 60 s lease
    await provider.fetch();
    expect(vault.count('/v1/auth/approle/login')).toBe(3);
  });

  it('reports a refused token, a refused login, a missing path, a wrong namespace and an unreachable Vault as problems', async () => {
    const problem = async (s: VaultSettings): Promise<string> => {
      const { values, problems } = await new VaultKvProvider(s).fetch();
      expect(values.size).toBe(0);
      return problems.map((p) => `${p.variable}: ${p.message}`).join('\n');
    };
    expect(await problem(settings({ namespace: 'team-a', auth: { method: 'token', token: 'hvs.wrong' } }))).toBe(
      'VAULT_TOKEN: Vault refused to read secret/bastion/production (HTTP 403: permission denied)',
    );
    expect(
      await problem(settings({ namespace: 'team-a', auth: { method: 'approle', roleId: ROLE.roleId, secretId: 'nope' } })),
    ).toBe('VAULT_ROLE_ID: the AppRole login was refused (HTTP 400: invalid role or secret ID)');
    expect(await problem(settings({ namespace: 'team-a', path: 'bastion/staging' }))).toBe(
      'VAULT_SECRET_PATH: Vault has no secret at secret/bastion/staging (KV v2 mount "secret"; HTTP 404)',
    );
    expect(await problem(settings())).toBe(
      'VAULT_TOKEN: Vault refused to read secret/bastion/production (HTTP 403: permission denied)',
    );
    const port = await unusedPort();
    expect(await problem(settings({ address: `http://127.0.0.1:${port}` }))).toBe(
      `VAULT_ADDR: Vault at http://127.0.0.1:${port} cannot be reached (ECONNREFUSED)`,
    );
  });

  it('gives up on a Vault that does not answer within the timeout', async () => {
    const silent = await startSilentServer();
    const port = silent.port;
    try {
      const { problems } = await new VaultKvProvider(settings({ address: `http://127.0.0.1:${port}`, timeoutMs: 200 })).fetch();
      expect(problems).toEqual([
        { variable: 'VAULT_ADDR', message: `Vault at http://127.0.0.1:${port} cannot be reached (no answer within 200 ms)` },
      ]);
    } finally {
      await silent.stop();
    }
  });
});
