import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import { keyId } from '../src/contexts/identity/testing';
import { NotificationsService } from '../src/contexts/notifications';
import { InvalidEnvironmentError } from '../src/platform/config';
import { SecretsRefresher } from '../src/platform/secrets';
import { createTestApp, type TestApp } from './support/app';
import { person, STRONG_PASSWORD, uniqueEmail } from './support/auth';
import { createTestDatabase, type TestDatabase, testDatabasesNamed } from './support/database';
import { eventually } from './support/eventually';
import { FakeSmtpServer, unusedPort } from './support/fake-smtp-server';
import { FakeVault } from './support/fake-vault';
import { startService, stopService, waitForListening, type RunningService } from './support/process';

jest.setTimeout(120_000);

const VAULT_TOKEN = 'hvs.e2e-root-token-5d1c9a3f7b2e';
const ROLE = { roleId: 'bastion-e2e-role', secretId: 'approle-secret-id-8e4b2c6a' };
const MOUNT = 'secret';
const PATH = 'bastion/e2e';

/** HS256 secrets long enough for any environment; each test run's own. */
const secret = (label: string): string => `${label}-${Math.random().toString(36).slice(2)}-${'x'.repeat(40)}`;

/** Whether `value` verifies `token` (issuer and audience as the app sets them). */
async function signedWith(token: string, value: string): Promise<boolean> {
  try {
    await jwtVerify(token, new TextEncoder().encode(value), { issuer: 'bastion', audience: 'bastion-api' });
    return true;
  } catch {
    return false;
  }
}

describe('secrets from files and from Vault (e2e)', () => {
  let dir: string;
  let vault: FakeVault;
  const savedEnv = { ...process.env };

  /** A secret file of this run, owner-only by default. */
  const secretFile = (name: string, content: string, mode = 0o600): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bastion-secrets-e2e-'));
    vault = await FakeVault.start({ token: VAULT_TOKEN, namespace: 'bastion-ns', appRole: ROLE });
  });
  afterAll(async () => {
    await vault.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    // A refresh writes rotated values into process.env (as it does in the server): not into the next test.
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  });

  it('JWT_SECRET_FILE (a 0600 file, trailing newline) signs the tokens the app issues', async () => {
    const jwtSecret = secret('file-jwt');
    const t = await createTestApp({ env: { JWT_SECRET_FILE: secretFile('jwt-secret', `${jwtSecret}\n`) } });
    try {
      const { tokens } = await person(t, 'file-secret');
      expect(await signedWith(tokens.access_token, jwtSecret)).toBe(true);
      const me = await t.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(me.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('a missing secret file fails the start, reported with the rest of the configuration’s problems', async () => {
    const missing = join(dir, 'no-such-secret');
    const before = await testDatabasesNamed('bastion_test_secrets_');
    const attempt = createTestApp({ env: { JWT_SECRET_FILE: missing, FILES_MAX_BYTES: 'lots' } });
    await expect(attempt).rejects.toThrow(InvalidEnvironmentError);
    // The failed start dropped the database it was given (the harness leaves nothing behind).
    expect(await testDatabasesNamed('bastion_test_secrets_')).toEqual(before);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `\\(2 problems\\)[\\s\\S]*JWT_SECRET_FILE: cannot read "${missing}" \\(ENOENT: no such file\\)[\\s\\S]*FILES_MAX_BYTES`,
      ),
    );
  });

  it('a FIFO as a secret file fails the start at once, named as not a regular file (its open would wait for ever)', async () => {
    const fifo = join(dir, 'jwt-fifo');
    execFileSync('mkfifo', [fifo]);
    // Should a read be waiting on it after all, a writer lets it go (and the test fails on what it read).
    const release = setTimeout(() => {
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // No reader waiting: nothing to release.
      }
    }, 5_000);
    try {
      const started = Date.now();
      await expect(createTestApp({ env: { JWT_SECRET_FILE: fifo } })).rejects.toThrow(
        new RegExp(`JWT_SECRET_FILE: "${fifo}" is not a regular file`),
      );
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      clearTimeout(release);
    }
  });

  it('a key setting removed from Vault is unset on refresh: a token of the retired previous secret is refused', async () => {
    const current = secret('vault-current');
    const previous = secret('vault-previous');
    const path = 'bastion/e2e-removal';
    vault.put(MOUNT, path, { JWT_SECRET: current, JWT_PREVIOUS_SECRET: previous });
    const t = await createTestApp({
      env: {
        SECRETS_PROVIDER: 'vault',
        VAULT_ADDR: vault.address,
        VAULT_NAMESPACE: 'bastion-ns',
        VAULT_TOKEN,
        VAULT_SECRET_PATH: path,
        VAULT_REFRESH_INTERVAL: '0',
        JWT_PREVIOUS_SECRET_VALID_UNTIL: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    try {
      const { tokens } = await person(t, 'vault-removal');
      // The same claims, as an instance still signing with the previous secret would have signed them.
      const old = await new SignJWT(decodeJwt(tokens.access_token))
        .setProtectedHeader({ alg: 'HS256', kid: keyId(previous), typ: 'JWT' })
        .sign(new TextEncoder().encode(previous));
      const me = async (token: string): Promise<number> =>
        (await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } })).statusCode;
      expect(await me(old)).toBe(200);

      vault.put(MOUNT, path, { JWT_SECRET: current });
      expect(await t.app.get(SecretsRefresher).refresh()).toEqual(['JWT_PREVIOUS_SECRET']);
      expect(await me(old)).toBe(401);
      expect(await me(tokens.access_token)).toBe(200);
    } finally {
      await t.close();
    }
  });

  describe('Vault (AppRole, namespace) provides JWT_SECRET and SMTP_PASSWORD', () => {
    let t: TestApp;
    let smtp: FakeSmtpServer;
    const smtpAuth = { user: 'bastion-mailer', pass: secret('smtp-one') };
    const jwtOne = secret('vault-jwt-one');

    beforeAll(async () => {
      smtp = await FakeSmtpServer.start({ auth: smtpAuth });
      vault.put(MOUNT, PATH, { JWT_SECRET: jwtOne, SMTP_PASSWORD: smtpAuth.pass, UNRELATED: 'not a setting of ours' });
      t = await createTestApp({
        env: {
          SECRETS_PROVIDER: 'vault',
          VAULT_ADDR: vault.address,
          VAULT_NAMESPACE: 'bastion-ns',
          VAULT_ROLE_ID: ROLE.roleId,
          VAULT_SECRET_ID_FILE: secretFile('approle-secret-id', ROLE.secretId),
          VAULT_SECRET_PATH: PATH,
          VAULT_REFRESH_INTERVAL: '0',
          EMAIL_PROVIDER: 'smtp',
          EMAIL_FROM: 'Bastion <no-reply@example.com>',
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtp.port),
          SMTP_SECURE: 'none',
          SMTP_USER: smtpAuth.user,
          NOTIFICATIONS_SEND_TIMEOUT_MS: '2000',
          NOTIFICATIONS_BREAKER_VOLUME: '10000',
        },
      });
    });
    afterAll(async () => {
      await t.close();
      await smtp.stop();
    });

    const mail = async (): Promise<string> => {
      const to = uniqueEmail('rotation');
      const service = t.app.get(NotificationsService);
      await service.send({
        channel: 'email',
        to,
        template: 'security.mfa_enabled',
        data: { display_name: null, occurred_at: new Date().toISOString(), ip: null },
      });
      await service.deliverDue();
      return to;
    };
    const delivered = (to: string): boolean => smtp.received.some((m) => m.envelope.to.includes(to) && m.user === smtpAuth.user);

    it('starts and works with them: tokens are signed with Vault’s JWT_SECRET, mail logs in with its SMTP password', async () => {
      const { tokens } = await person(t, 'vault-secret');
      expect(await signedWith(tokens.access_token, jwtOne)).toBe(true);
      expect(delivered(await mail())).toBe(true);
      expect(vault.count('/v1/auth/approle/login')).toBe(1);
      expect(vault.requests.every((r) => r.namespace === 'bastion-ns')).toBe(true);
    });

    it('a value rotated in Vault is picked up by a refresh: subscribers are told the names, SMTP logs in with the new password', async () => {
      const refresher = t.app.get(SecretsRefresher);
      const told: string[][] = [];
      const unsubscribe = refresher.onChange(['JWT_SECRET', 'JWT_PREVIOUS_SECRET'], (names) => void told.push(names));
      try {
        const jwtTwo = secret('vault-jwt-two');
        smtpAuth.pass = secret('smtp-two');
        vault.put(MOUNT, PATH, { JWT_SECRET: jwtTwo, JWT_PREVIOUS_SECRET: jwtOne, SMTP_PASSWORD: smtpAuth.pass });

        // The relay already wants the new password; until the refresh the app still has the old one.
        const before = await mail();
        expect(delivered(before)).toBe(false);

        const reads = vault.count(`/v1/${MOUNT}/data/${PATH}`);
        expect(await refresher.refresh()).toEqual(['JWT_SECRET', 'JWT_PREVIOUS_SECRET', 'SMTP_PASSWORD']);
        expect(vault.count(`/v1/${MOUNT}/data/${PATH}`)).toBe(reads + 1);
        expect(told).toEqual([['JWT_SECRET', 'JWT_PREVIOUS_SECRET']]);
        expect(refresher.current('JWT_SECRET')).toBe(jwtTwo);
        expect(delivered(await mail())).toBe(true);

        // Nothing new in Vault: nobody is told anything.
        expect(await refresher.refresh()).toEqual([]);
        expect(told).toHaveLength(1);
      } finally {
        unsubscribe();
      }
    });
  });

  describe('the real entry point (its whole log output captured)', () => {
    let db: TestDatabase;
    const running: RunningService[] = [];

    beforeAll(async () => {
      db = await createTestDatabase('secrets');
    });
    afterAll(async () => {
      await Promise.all(running.map((s) => stopService(s, 'SIGKILL')));
      await db.drop();
    });

    it('starts with JWT_SECRET_FILE and Vault, re-reads on SIGHUP, and never logs a secret value', async () => {
      const jwtSecret = secret('process-jwt');
      const pseudonymKey = secret('vault-pseudonym');
      const smtpOne = secret('process-smtp-one');
      const smtpTwo = secret('process-smtp-two');
      vault.put(MOUNT, 'bastion/process', { SMTP_PASSWORD: smtpOne, AUDIT_PSEUDONYM_KEY: pseudonymKey });
      const service = startService({
        APP_ENV: 'test',
        DATABASE_URL: db.url,
        LOG_LEVEL: 'debug',
        JWT_SECRET_FILE: secretFile('process-jwt', `${jwtSecret}\n`),
        SECRETS_PROVIDER: 'vault',
        VAULT_ADDR: vault.address,
        VAULT_NAMESPACE: 'bastion-ns',
        VAULT_TOKEN_FILE: secretFile('vault-token', VAULT_TOKEN),
        VAULT_SECRET_PATH: 'bastion/process',
        EMAIL_PROVIDER: 'smtp',
        EMAIL_FROM: 'Bastion <no-reply@example.com>',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(await unusedPort()),
        SMTP_SECURE: 'none',
        SMTP_USER: 'bastion-mailer',
      });
      running.push(service);
      const base = await waitForListening(service);

      const email = uniqueEmail('process');
      const post = (path: string, body: unknown): Promise<Response> =>
        fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('/api/v1/auth/register', { email, password: STRONG_PASSWORD })).status).toBe(201);
      const token = await post('/api/v1/auth/token', { email, password: STRONG_PASSWORD });
      expect(token.status).toBe(200);
      expect(await signedWith(((await token.json()) as { access_token: string }).access_token, jwtSecret)).toBe(true);

      vault.put(MOUNT, 'bastion/process', { SMTP_PASSWORD: smtpTwo, AUDIT_PSEUDONYM_KEY: pseudonymKey });
      service.child.kill('SIGHUP');
      await eventually(() => service.output().includes('Secrets refresh: SMTP_PASSWORD changed'), 20_000);
      expect(await stopService(service)).toBe(0);

      const output = service.output();
      expect(output).toContain('JWT_SECRET from file');
      expect(output).toContain('2 values from vault secret/bastion/process (AUDIT_PSEUDONYM_KEY, SMTP_PASSWORD)');
      expect(output).toContain('SIGHUP: reading the secrets again');
      for (const value of [jwtSecret, pseudonymKey, smtpOne, smtpTwo, VAULT_TOKEN]) expect(output).not.toContain(value);
    });

    it('in production, a missing secret file and an unreachable Vault fail the start, listed with every other problem', async () => {
      const missing = join(dir, 'missing-jwt-secret');
      const smtpPassword = secret('world-readable-smtp');
      const vaultPort = await unusedPort();
      const service = startService({
        APP_ENV: 'production',
        JWT_SECRET_FILE: missing,
        SMTP_PASSWORD_FILE: secretFile('smtp-world-readable', smtpPassword, 0o644),
        SECRETS_PROVIDER: 'vault',
        VAULT_ADDR: `http://127.0.0.1:${vaultPort}`,
        VAULT_TOKEN,
        VAULT_SECRET_PATH: 'bastion/production',
        FILES_MAX_BYTES: 'lots',
      });
      running.push(service);
      expect(await service.exited).toBe(1);
      const output = service.output();
      // One report: the secrets' problems first, then the configuration's own.
      expect(output.match(/Invalid configuration/g)).toHaveLength(1);
      expect(output).toContain('Bastion refuses to start. Invalid configuration (');
      expect(output).toContain(`JWT_SECRET_FILE: cannot read "${missing}" (ENOENT: no such file)`);
      expect(output).toContain(`SMTP_PASSWORD_FILE: "${join(dir, 'smtp-world-readable')}" is readable by every user (mode 0644)`);
      expect(output).toContain(`VAULT_ADDR: Vault at http://127.0.0.1:${vaultPort} cannot be reached (ECONNREFUSED)`);
      expect(output).toContain('DATABASE_URL: is required in production');
      expect(output).toContain('FILES_MAX_BYTES: must be a whole number');
      expect(output).not.toContain('listening on');
      for (const value of [smtpPassword, VAULT_TOKEN]) expect(output).not.toContain(value);
    });
  });
});
