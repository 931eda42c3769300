import { checkConfiguration } from './configuration';
import { collectProblems } from './platform/config';

const problemsOf = (raw: Record<string, string>): string[] =>
  collectProblems(() => checkConfiguration(raw)).map((p) => p.variable);

describe('checkConfiguration (every context at once, before boot)', () => {
  it('accepts the defaults', () => {
    expect(checkConfiguration({ APP_ENV: 'test' }).appEnv).toBe('test');
  });

  it('reports the problems of every context in one error', () => {
    expect(
      problemsOf({
        APP_ENV: 'test',
        PORT: 'eighty',
        FILES_MAX_BYTES: 'lots',
        NOTIFICATIONS_MAX_ATTEMPTS: '0',
        IDEMPOTENCY_TTL_HOURS: 'forever',
        AUDIT_RETENTION_DAYS: '-1',
        SESSION_CLEANUP_INTERVAL: 'soon',
        TENANT_INVITATION_TTL: 'a while',
        ADMIN_PASSWORD: 'short',
      }),
    ).toEqual(
      expect.arrayContaining([
        'PORT',
        'FILES_MAX_BYTES',
        'NOTIFICATIONS_MAX_ATTEMPTS',
        'IDEMPOTENCY_TTL_HOURS',
        'AUDIT_RETENTION_DAYS',
        'SESSION_CLEANUP_INTERVAL',
        'TENANT_INVITATION_TTL',
        'ADMIN_PASSWORD',
      ]),
    );
  });

  it('judges ADMIN_PASSWORD by the password policy, against the seeded email', () => {
    expect(problemsOf({ APP_ENV: 'test', ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'password123' })).toEqual([
      'ADMIN_PASSWORD',
    ]);
    // The email's local part inside the password breaks the policy too.
    expect(problemsOf({ APP_ENV: 'development', ADMIN_PASSWORD: 'admin-Quokka-Treble-Lantern-92' })).toEqual(['ADMIN_PASSWORD']);
    expect(problemsOf({ APP_ENV: 'test', ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'Quokka-Treble-Lantern-92' })).toEqual(
      [],
    );
  });

  it('refuses an ADMIN_EMAIL that is not an email address', () => {
    expect(problemsOf({ APP_ENV: 'test', ADMIN_EMAIL: 'root@localhost' })).toEqual(['ADMIN_EMAIL']);
  });

  it('lists problems found before (the secrets’ files and provider) first, in the same error', () => {
    const earlier = [{ variable: 'JWT_SECRET_FILE', message: 'cannot read "/run/secrets/x" (ENOENT: no such file)' }];
    expect(
      collectProblems(() => checkConfiguration({ APP_ENV: 'test', PORT: 'eighty' }, earlier)).map((p) => p.variable),
    ).toEqual(['JWT_SECRET_FILE', 'PORT']);
    expect(() => checkConfiguration({ APP_ENV: 'test' }, earlier)).toThrow(/Invalid configuration \(1 problem\)/);
  });

  it('lets errors that are not configuration problems through', () => {
    expect(() => checkConfiguration(null as unknown as Record<string, string>)).toThrow(TypeError);
  });
});
