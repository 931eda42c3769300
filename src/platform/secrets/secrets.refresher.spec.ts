import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { RawEnv } from '../config';
import { resolveSecrets } from './resolve-secrets';
import type { SecretFetch, SecretProvider } from './secret-provider';
import { SecretsRefresher } from './secrets.refresher';

/** A provider whose answer the test changes between reads. */
class ScriptedProvider implements SecretProvider {
  readonly source = 'vault' as const;
  readonly label = 'vault secret/test';
  answer: SecretFetch = { values: new Map(), problems: [] };
  reads = 0;
  fetch(): Promise<SecretFetch> {
    this.reads += 1;
    return Promise.resolve({ values: new Map(this.answer.values), problems: [...this.answer.problems] });
  }
}

describe('SecretsRefresher', () => {
  let dir: string;
  let logged: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bastion-refresh-'));
    logged = [];
    for (const level of ['log', 'warn', 'debug', 'error'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => void logged.push(String(args[0])));
    }
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  async function setUp(raw: RawEnv, provider: ScriptedProvider) {
    const resolution = await resolveSecrets(raw, { production: true, provider });
    expect(resolution.problems).toEqual([]);
    return new SecretsRefresher(resolution);
  }

  it('reads files and the provider again, updates the environment and tells only the subscribers of what changed', async () => {
    const jwtFile = join(dir, 'jwt');
    writeFileSync(jwtFile, 'jwt-one\n');
    chmodSync(jwtFile, 0o600);
    const provider = new ScriptedProvider();
    provider.answer.values = new Map([
      ['SMTP_PASSWORD', 'smtp-one'],
      ['JWT_PREVIOUS_SECRET', 'prev-one'],
    ]);
    const raw: RawEnv = { JWT_SECRET_FILE: jwtFile, SMTP_USER: 'mailer' };
    const refresher = await setUp(raw, provider);
    const smtp: string[][] = [];
    const signing: string[][] = [];
    refresher.onChange(['SMTP_USER', 'SMTP_PASSWORD'], (names) => void smtp.push(names));
    const unsubscribe = refresher.onChange(['JWT_SECRET', 'JWT_PREVIOUS_SECRET'], (names) => void signing.push(names));

    expect(await refresher.refresh()).toEqual([]);
    expect(smtp).toEqual([]);

    writeFileSync(jwtFile, 'jwt-two\n');
    provider.answer.values = new Map([['SMTP_PASSWORD', 'smtp-two']]);
    expect(await refresher.refresh()).toEqual(['JWT_SECRET', 'SMTP_PASSWORD', 'JWT_PREVIOUS_SECRET']);
    expect(smtp).toEqual([['SMTP_PASSWORD']]);
    expect(signing).toEqual([['JWT_SECRET', 'JWT_PREVIOUS_SECRET']]);
    expect(refresher.current('JWT_SECRET')).toBe('jwt-two');
    expect(refresher.current('SMTP_PASSWORD')).toBe('smtp-two');
    expect(refresher.current('JWT_PREVIOUS_SECRET')).toBeUndefined();
    expect(refresher.current('SMTP_USER')).toBe('mailer');
    expect(raw).toMatchObject({ JWT_SECRET: 'jwt-two', SMTP_PASSWORD: 'smtp-two' });
    expect('JWT_PREVIOUS_SECRET' in raw).toBe(false);

    unsubscribe();
    writeFileSync(jwtFile, 'jwt-three');
    await refresher.refresh();
    expect(signing).toHaveLength(1);
    expect(logged.join('\n')).toContain('Secrets refresh: JWT_SECRET, SMTP_PASSWORD, JWT_PREVIOUS_SECRET changed');
    expect(logged.join('\n')).not.toMatch(/jwt-(one|two|three)|smtp-(one|two)|prev-one/);
  });

  it('keeps the values in use when a read fails, logging the problems without a value', async () => {
    const provider = new ScriptedProvider();
    provider.answer.values = new Map([['SMTP_PASSWORD', 'smtp-one']]);
    const refresher = await setUp({}, provider);
    provider.answer = {
      values: new Map(),
      problems: [{ variable: 'VAULT_ADDR', message: 'Vault cannot be reached (ECONNREFUSED)' }],
    };
    expect(await refresher.refresh()).toEqual([]);
    expect(refresher.current('SMTP_PASSWORD')).toBe('smtp-one');
    expect(logged).toContain('Secrets refresh kept the values in use: VAULT_ADDR: Vault cannot be reached (ECONNREFUSED)');
  });

  it('runs one refresh at a time, and a failing subscriber does not stop the others', async () => {
    const provider = new ScriptedProvider();
    const refresher = await setUp({}, provider);
    const told: string[][] = [];
    refresher.onChange(['SMTP_PASSWORD'], () => {
      throw new Error('cannot rebuild the transport');
    });
    refresher.onChange(['SMTP_PASSWORD'], (names) => void told.push(names));
    provider.answer.values = new Map([['SMTP_PASSWORD', 'smtp-new']]);
    const [a, b] = await Promise.all([refresher.refresh(), refresher.refresh()]);
    expect(a).toEqual(['SMTP_PASSWORD']);
    expect(b).toBe(a);
    expect(provider.reads).toBe(2); // the resolution's read and one refresh
    expect(told).toEqual([['SMTP_PASSWORD']]);
    expect(logged).toContain('A subscriber to SMTP_PASSWORD failed: cannot rebuild the transport');
  });

  it('on SIGHUP (while the app runs) reads again; after shutdown SIGHUP is no longer its', async () => {
    const provider = new ScriptedProvider();
    const refresher = await setUp({}, provider);
    const before = process.listenerCount('SIGHUP');
    refresher.onApplicationBootstrap();
    expect(logged).toContain('Secrets: 0 values from vault secret/test');
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    const changed = new Promise<string[]>((resolve) => refresher.onChange(['WHATSAPP_TOKEN'], resolve));
    provider.answer.values = new Map([['WHATSAPP_TOKEN', 'wa-new']]);
    process.emit('SIGHUP', 'SIGHUP');
    expect(await changed).toEqual(['WHATSAPP_TOKEN']);
    refresher.onApplicationShutdown();
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });

  it('leaves Vault’s own credentials alone: read at start only', async () => {
    const tokenFile = join(dir, 'vault-token');
    writeFileSync(tokenFile, 'token-one');
    chmodSync(tokenFile, 0o600);
    const refresher = await setUp({ VAULT_TOKEN_FILE: tokenFile }, new ScriptedProvider());
    writeFileSync(tokenFile, 'token-two');
    expect(await refresher.refresh()).toEqual([]);
  });

  it('without a file or a provider there is nothing to refresh and no SIGHUP handler', async () => {
    const refresher = new SecretsRefresher(await resolveSecrets({ JWT_SECRET: 'x' }, { production: false }));
    const before = process.listenerCount('SIGHUP');
    refresher.onApplicationBootstrap();
    expect(process.listenerCount('SIGHUP')).toBe(before);
    expect(refresher.refreshable).toBe(false);
    expect(await refresher.refresh()).toEqual([]);
    expect(logged).toContain('Secrets: JWT_SECRET from env');
  });
});
