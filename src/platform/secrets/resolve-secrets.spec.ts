import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawEnv } from '../config';
import { describeSources, resolveSecrets } from './resolve-secrets';
import type { SecretFetch, SecretProvider } from './secret-provider';

const JWT = 'file-jwt-secret-4f9c2a7e1b8d3c6f0a5e9b2d7c4f1a8e';

/** A provider holding `values`, or failing with `problems`. */
function fixedProvider(
  values: Record<string, string>,
  problems: SecretFetch['problems'] = [],
): SecretProvider & { reads: number } {
  return {
    source: 'vault',
    label: 'vault secret/test',
    reads: 0,
    fetch() {
      this.reads += 1;
      return Promise.resolve({ values: new Map(Object.entries(values)), problems });
    },
  };
}

describe('resolveSecrets', () => {
  let dir: string;
  const file = (name: string, content: string, mode = 0o600): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bastion-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads <NAME>_FILE, trimmed (the trailing newline is not part of the secret), into the environment', async () => {
    const raw: RawEnv = {
      JWT_SECRET_FILE: file('jwt', `${JWT}\n`),
      SMTP_PASSWORD_FILE: file('smtp', '  pw with spaces inside \n'),
    };
    const resolution = await resolveSecrets(raw, { production: true });
    expect(resolution.problems).toEqual([]);
    expect(raw.JWT_SECRET).toBe(JWT);
    expect(raw.SMTP_PASSWORD).toBe('pw with spaces inside');
    expect(resolution.sources.get('JWT_SECRET')).toBe('file');
    expect(describeSources(resolution)).toBe('JWT_SECRET, SMTP_PASSWORD from file');
  });

  it('reports a variable set twice, a missing, an empty and a directory file, naming the variable and path, never a value', async () => {
    const raw: RawEnv = {
      JWT_SECRET: 'the-env-value-that-must-not-leak',
      JWT_SECRET_FILE: file('jwt', JWT),
      REDIS_URL_FILE: join(dir, 'missing'),
      SMTP_PASSWORD_FILE: file('empty', '\n'),
      WHATSAPP_TOKEN_FILE: dir,
    };
    const { problems } = await resolveSecrets(raw, { production: false });
    expect(problems).toEqual([
      { variable: 'JWT_SECRET_FILE', message: 'cannot be set together with JWT_SECRET: use one of them' },
      { variable: 'REDIS_URL_FILE', message: `cannot read "${join(dir, 'missing')}" (ENOENT: no such file)` },
      { variable: 'SMTP_PASSWORD_FILE', message: `"${join(dir, 'empty')}" is empty` },
      { variable: 'WHATSAPP_TOKEN_FILE', message: `"${dir}" is not a regular file` },
    ]);
    expect(JSON.stringify(problems)).not.toContain('must-not-leak');
    expect(JSON.stringify(problems)).not.toContain(JWT);
    expect(raw.JWT_SECRET).toBe('the-env-value-that-must-not-leak');
  });

  it('refuses a FIFO and a device at once, without opening them (a FIFO’s open waits for a writer for ever)', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Should a read be waiting on the FIFO after all, a writer lets it go (and the test fails on what it read).
    const release = setTimeout(() => {
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // No reader waiting: nothing to release.
      }
    }, 2_000);
    try {
      const started = Date.now();
      const { problems } = await resolveSecrets({ JWT_SECRET_FILE: fifo, SMTP_PASSWORD_FILE: '/dev/zero' }, { production: true });
      expect(problems).toEqual([
        { variable: 'JWT_SECRET_FILE', message: `"${fifo}" is not a regular file` },
        { variable: 'SMTP_PASSWORD_FILE', message: '"/dev/zero" is not a regular file' },
      ]);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      clearTimeout(release);
    }
  });

  it('refuses a world-readable file in production only', async () => {
    const path = file('jwt', JWT, 0o644);
    expect((await resolveSecrets({ JWT_SECRET_FILE: path }, { production: false })).problems).toEqual([]);
    const { problems } = await resolveSecrets({ JWT_SECRET_FILE: path, APP_ENV: 'production' });
    expect(problems).toEqual([
      {
        variable: 'JWT_SECRET_FILE',
        message: `"${path}" is readable by every user (mode 0644); make it 0400 or 0600 (0440 for a group)`,
      },
    ]);
    expect((await resolveSecrets({ JWT_SECRET_FILE: file('jwt2', JWT, 0o440) }, { production: true })).problems).toEqual([]);
  });

  it('ignores *_FILE variables of settings that are not secrets (SMTP_TLS_CA_FILE is a path the context reads)', async () => {
    const raw: RawEnv = { SMTP_TLS_CA_FILE: join(dir, 'nowhere.pem') };
    const resolution = await resolveSecrets(raw, { production: true });
    expect(resolution.problems).toEqual([]);
    expect(raw.SMTP_TLS_CA).toBeUndefined();
  });

  it('takes from the provider what neither the environment nor a file sets: env and file win', async () => {
    const provider = fixedProvider({
      JWT_SECRET: 'vault-jwt',
      SMTP_PASSWORD: 'vault-smtp',
      REDIS_URL: 'redis://vault',
      DATABASE_URL: 'postgres://v',
    });
    const raw: RawEnv = { JWT_SECRET: 'env-jwt', REDIS_URL_FILE: file('redis', 'redis://file\n') };
    const resolution = await resolveSecrets(raw, { production: true, provider });
    expect(resolution.problems).toEqual([]);
    expect(raw).toMatchObject({
      JWT_SECRET: 'env-jwt',
      REDIS_URL: 'redis://file',
      SMTP_PASSWORD: 'vault-smtp',
      DATABASE_URL: 'postgres://v',
    });
    expect(describeSources(resolution)).toBe(
      'REDIS_URL from file; JWT_SECRET from env; 2 values from vault secret/test (SMTP_PASSWORD, DATABASE_URL); ' +
        'set in env or file over vault secret/test: JWT_SECRET, REDIS_URL',
    );
  });

  it('lists the provider’s problems with the files’, all at once', async () => {
    const provider = fixedProvider({}, [
      { variable: 'VAULT_ADDR', message: 'Vault at http://127.0.0.1:1 cannot be reached (ECONNREFUSED)' },
    ]);
    const { problems } = await resolveSecrets({ JWT_SECRET_FILE: join(dir, 'gone') }, { production: true, provider });
    expect(problems.map((p) => p.variable)).toEqual(['JWT_SECRET_FILE', 'VAULT_ADDR']);
  });

  it('reads Vault settings from the environment, VAULT_TOKEN from its file, and reports them all', async () => {
    const { problems } = await resolveSecrets(
      { SECRETS_PROVIDER: 'vault', VAULT_TOKEN_FILE: join(dir, 'no-token'), VAULT_REFRESH_INTERVAL: '5s' },
      { production: true },
    );
    expect(problems.map((p) => `${p.variable}: ${p.message}`)).toEqual([
      `VAULT_TOKEN_FILE: cannot read "${join(dir, 'no-token')}" (ENOENT: no such file)`,
      'VAULT_ADDR: is required when SECRETS_PROVIDER=vault',
      'VAULT_SECRET_PATH: is required when SECRETS_PROVIDER=vault',
      'VAULT_TOKEN: is required when SECRETS_PROVIDER=vault (or VAULT_ROLE_ID and VAULT_SECRET_ID for an AppRole login)',
      'VAULT_REFRESH_INTERVAL: must be 0 (no timer) or at least 10s',
    ]);
  });

  it('without SECRETS_PROVIDER=vault reads no Vault, and says so when a Vault path is set', async () => {
    expect((await resolveSecrets({ VAULT_ADDR: 'http://127.0.0.1:1' })).provider).toBeUndefined();
    expect((await resolveSecrets({ VAULT_SECRET_PATH: 'bastion/production' })).problems).toEqual([
      { variable: 'VAULT_SECRET_PATH', message: 'is set but SECRETS_PROVIDER is not vault' },
    ]);
  });
});
