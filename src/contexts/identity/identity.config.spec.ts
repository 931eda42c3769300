import { randomBytes } from 'node:crypto';
import { collectProblems, type EnvProblem } from '../../platform/config';
import { DEFAULT_CLEANUP_INTERVAL_MS, isWeakSecret, parseIdentityConfig } from './identity.config';

const GENERATED = 'generated-secret-for-tests';
const generate = (): string => GENERATED;
const strongSecret = (): string => randomBytes(64).toString('base64');
const MFA_ENCRYPTION_KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
const PRODUCTION = { APP_ENV: 'production', MFA_ENCRYPTION_KEYS };

/** Runs the parser expecting it to fail and returns the reported problems. */
const problemsOf = (raw: Record<string, string | undefined>): EnvProblem[] =>
  collectProblems(() => parseIdentityConfig(raw, generate));

const variables = (problems: EnvProblem[]): string[] => problems.map((p) => p.variable).sort();
const parse = (raw: Record<string, string>) => parseIdentityConfig(raw, generate);

describe('parseIdentityConfig', () => {
  it('gives complete defaults in development, seeding admin@example.com', () => {
    expect(parse({})).toMatchObject({
      jwtSecret: GENERATED,
      jwtSecretGenerated: true,
      jwtIssuer: 'bastion',
      jwtAudience: 'bastion-api',
      accessTokenTtl: 900,
      refreshReuseGrace: 0,
      sessionIdleTimeout: 86_400,
      sessionMaxLifetime: 30 * 86_400,
      sessionCleanupIntervalMs: DEFAULT_CLEANUP_INTERVAL_MS,
      suspiciousRefreshPolicy: 'allow_and_flag',
      passwordMinScore: 3,
      adminEmail: 'admin@example.com',
    });
    expect(parse({ APP_ENV: 'test' }).adminEmail).toBeUndefined();
    expect(parse({ APP_ENV: 'test', ADMIN_EMAIL: 'Root@Example.com' }).adminEmail).toBe('root@example.com');
  });

  it('reports every problem of the context at once', () => {
    expect(
      variables(problemsOf({ LOCKOUT_THRESHOLD: '0', SESSION_CLEANUP_INTERVAL: 'soon', SUSPICIOUS_REFRESH_POLICY: 'maybe' })),
    ).toEqual(['LOCKOUT_THRESHOLD', 'SESSION_CLEANUP_INTERVAL', 'SUSPICIOUS_REFRESH_POLICY']);
  });

  it.each([
    ['LOGIN_FAILURES_PER_IDENTITY', '5/2d', /rate like/],
    ['LOCKOUT_THRESHOLD', '0', /between 1 and 1000/],
    ['JWT_PREVIOUS_SECRET_VALID_UNTIL', 'tomorrow', /ISO 8601 timestamp/],
  ])('reports %s=%p', (variable, value, message) => {
    expect(problemsOf({ [variable]: value })).toEqual([{ variable, message: expect.stringMatching(message) }]);
  });

  it('needs the end of the rotation window with a previous JWT secret', () => {
    expect(variables(problemsOf({ JWT_PREVIOUS_SECRET: 'old-secret' }))).toEqual(['JWT_PREVIOUS_SECRET_VALID_UNTIL']);
  });
});

describe('the JWT secret', () => {
  it('is generated, and flagged as generated, when absent outside production', () => {
    const generator = jest.fn(() => 'fresh');
    const config = parseIdentityConfig({ APP_ENV: 'development', MFA_ENCRYPTION_KEYS }, generator);
    expect(generator).toHaveBeenCalledTimes(1);
    expect(config.jwtSecret).toBe('fresh');
    expect(config.jwtSecretGenerated).toBe(true);
  });

  it('is used as given, and not flagged as generated, when set', () => {
    const generator = jest.fn(() => 'fresh');
    const config = parseIdentityConfig({ JWT_SECRET: 'dev-secret', MFA_ENCRYPTION_KEYS }, generator);
    expect(generator).not.toHaveBeenCalled();
    expect(config.jwtSecret).toBe('dev-secret');
    expect(config.jwtSecretGenerated).toBe(false);
  });

  it('is not checked for strength outside production', () => {
    expect(parse({ APP_ENV: 'test', JWT_SECRET: 'changeme' }).jwtSecret).toBe('changeme');
  });

  it('is required in production with JWT_ALG=HS256, with the MFA keyring', () => {
    expect(variables(problemsOf({ APP_ENV: 'production', JWT_ALG: 'HS256' }))).toEqual(['JWT_SECRET', 'MFA_ENCRYPTION_KEYS']);
  });

  it('is not asked for in a new production deployment: EdDSA is its default, and needs a private key', () => {
    expect(variables(problemsOf({ APP_ENV: 'production' }))).toEqual(['JWT_PRIVATE_KEY', 'MFA_ENCRYPTION_KEYS']);
  });

  it('is refused in production when shorter than 64 bytes', () => {
    const problems = problemsOf({ ...PRODUCTION, JWT_SECRET: strongSecret().slice(0, 63) });
    expect(problems).toHaveLength(1);
    expect(problems[0].variable).toBe('JWT_SECRET');
    expect(problems[0].message).toMatch(/too short/);
  });

  it.each([
    ['a placeholder repeated to 80 characters', 'changeme'.repeat(10)],
    ['a single character repeated', 'a'.repeat(80)],
    ['a placeholder in mixed case', 'ChangeMe!'.repeat(9)],
  ])('is refused in production when it is %s', (_label, secret) => {
    expect(isWeakSecret(secret)).toBe(true);
    expect(problemsOf({ ...PRODUCTION, JWT_SECRET: secret })).toEqual([
      { variable: 'JWT_SECRET', message: expect.stringMatching(/placeholder or low-entropy/) },
    ]);
  });

  it('accepts a strong random 64-byte base64 secret in production', () => {
    const secret = strongSecret();
    const config = parse({ ...PRODUCTION, JWT_SECRET: secret });
    expect(config.jwtSecret).toBe(secret);
    expect(config.jwtSecretGenerated).toBe(false);
  });
});

describe('the admin seed', () => {
  it('needs ADMIN_PASSWORD in production when ADMIN_EMAIL is set', () => {
    expect(variables(problemsOf({ ...PRODUCTION, JWT_SECRET: strongSecret(), ADMIN_EMAIL: 'root@example.com' }))).toEqual([
      'ADMIN_PASSWORD',
    ]);
  });

  it('judges ADMIN_PASSWORD by the password policy, against the seeded email', () => {
    expect(variables(problemsOf({ APP_ENV: 'test', ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'password123' }))).toEqual([
      'ADMIN_PASSWORD',
    ]);
    expect(variables(problemsOf({ ADMIN_PASSWORD: 'admin-Quokka-Treble-Lantern-92' }))).toEqual(['ADMIN_PASSWORD']);
    expect(parse({ APP_ENV: 'test', ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'Quokka-Treble-Lantern-92' })).toMatchObject(
      {
        adminPassword: 'Quokka-Treble-Lantern-92',
      },
    );
  });

  it('refuses an ADMIN_EMAIL that is not an email address', () => {
    expect(problemsOf({ APP_ENV: 'test', ADMIN_EMAIL: 'root@localhost' })).toEqual([
      { variable: 'ADMIN_EMAIL', message: '"root@localhost" is not a valid email address' },
    ]);
  });
});

describe('account lifecycle', () => {
  it('requires a verified address in production only, by default', () => {
    expect(parse({}).requireEmailVerification).toBe(false);
    expect(parse({ ...PRODUCTION, JWT_SECRET: strongSecret() }).requireEmailVerification).toBe(true);
    expect(parse({ REQUIRE_EMAIL_VERIFICATION: 'true' }).requireEmailVerification).toBe(true);
  });

  it('gives reset links 30 minutes, verification links a day and invitations a week, within bounds', () => {
    expect(parse({})).toMatchObject({
      resetTokenTtl: 1800,
      verifyEmailTokenTtl: 86_400,
      inviteTokenTtl: 7 * 86_400,
      accountMail: { perAddress: { limit: 3, windowSeconds: 900 }, perIp: { limit: 20, windowSeconds: 3600 } },
    });
    expect(parse({ RESET_TOKEN_TTL: '15m' }).resetTokenTtl).toBe(900);
    expect(parse({ INVITE_TOKEN_TTL: '3d' }).inviteTokenTtl).toBe(3 * 86_400);
    expect(variables(problemsOf({ RESET_TOKEN_TTL: '2d', VERIFY_EMAIL_TOKEN_TTL: '1m' }))).toEqual([
      'RESET_TOKEN_TTL',
      'VERIFY_EMAIL_TOKEN_TTL',
    ]);
    expect(variables(problemsOf({ INVITE_TOKEN_TTL: '30m' }))).toEqual(['INVITE_TOKEN_TTL']);
    expect(variables(problemsOf({ INVITE_TOKEN_TTL: '31d' }))).toEqual(['INVITE_TOKEN_TTL']);
  });
});

describe('session cleanup interval', () => {
  it('runs the cleanup hourly by default, blank counting as unset', () => {
    expect(parse({ SESSION_CLEANUP_INTERVAL: '  ' }).sessionCleanupIntervalMs).toBe(3_600_000);
  });

  it.each([
    ['90', 90_000],
    ['15m', 900_000],
    [' 2h ', 7_200_000],
    ['1d', 86_400_000],
    ['1s', 1_000],
  ])('reads %p', (value, ms) => {
    expect(parse({ SESSION_CLEANUP_INTERVAL: value }).sessionCleanupIntervalMs).toBe(ms);
  });

  it.each([
    ['hourly', /must be a duration/],
    ['1.5h', /must be a duration/],
    ['-5m', /must be a duration/],
    ['0', /between 1s and 86400s, got 0s/],
    ['2d', /between 1s and 86400s, got 172800s/],
  ])('refuses %p', (value, message) => {
    expect(problemsOf({ SESSION_CLEANUP_INTERVAL: value })).toEqual([
      { variable: 'SESSION_CLEANUP_INTERVAL', message: expect.stringMatching(message) },
    ]);
  });
});

describe('MFA secret keyring', () => {
  it('reads id:base64 keys, the first one current', () => {
    const second = Buffer.alloc(32, 9).toString('base64');
    const { mfa } = parse({ MFA_ENCRYPTION_KEYS: `${MFA_ENCRYPTION_KEYS},old:${second}` });
    expect(mfa.encryptionKeys.map((k) => [k.id, k.key.length])).toEqual([
      ['k1', 32],
      ['old', 32],
    ]);
    expect(mfa.encryptionKeysGenerated).toBe(false);
  });

  it('derives one stable key per process outside production when unset', () => {
    const a = parse({}).mfa;
    const b = parse({}).mfa;
    expect(a.encryptionKeysGenerated).toBe(true);
    expect(a.encryptionKeys[0].key.equals(b.encryptionKeys[0].key)).toBe(true);
  });

  it.each(['k1:short', 'no-colon', `k1:${Buffer.alloc(31).toString('base64')}`, `${MFA_ENCRYPTION_KEYS},${MFA_ENCRYPTION_KEYS}`])(
    'refuses %p',
    (value) => {
      expect(variables(problemsOf({ MFA_ENCRYPTION_KEYS: value }))).toEqual(['MFA_ENCRYPTION_KEYS']);
    },
  );
});

describe('login defence', () => {
  it('defaults to 5 failures/min per (IP, email), 100/15 min per IP, lockout after 10 for 15 min up to 24 h', () => {
    expect(parse({}).login).toEqual({
      perIdentity: { limit: 5, windowSeconds: 60 },
      perIp: { limit: 100, windowSeconds: 900 },
      lockoutThreshold: 10,
      lockoutCooldown: 900,
      lockoutMaxCooldown: 86_400,
      lockoutResetAfter: 86_400,
      repeatedFailures: 3,
    });
  });

  it('reads rates as N/duration', () => {
    expect(parse({ LOGIN_FAILURES_PER_IP: '20/1d' }).login.perIp).toEqual({ limit: 20, windowSeconds: 86_400 });
  });

  it('never lets the maximum cooldown fall below the first one', () => {
    expect(parse({ LOCKOUT_COOLDOWN: '2h', LOCKOUT_MAX_COOLDOWN: '30m' }).login.lockoutMaxCooldown).toBe(7200);
  });
});

describe('breached-password screening', () => {
  it('uses the offline list only by default, with a 1.5 s timeout and fail_open for when a provider is set', () => {
    expect(parse({}).breachedPasswords).toEqual({ apiUrl: undefined, timeoutMs: 1500, policy: 'fail_open' });
  });

  it('reads the range API URL (trailing slashes dropped), the timeout and the policy', () => {
    expect(
      parse({
        BREACHED_PASSWORD_API_URL: 'https://api.pwnedpasswords.com/',
        BREACHED_PASSWORD_TIMEOUT_MS: '800',
        BREACHED_PASSWORD_POLICY: 'fail_closed',
      }).breachedPasswords,
    ).toEqual({ apiUrl: 'https://api.pwnedpasswords.com', timeoutMs: 800, policy: 'fail_closed' });
  });

  it('allows plain http outside production, and on loopback in production', () => {
    expect(parse({ BREACHED_PASSWORD_API_URL: 'http://range.internal:8080' }).breachedPasswords.apiUrl).toBe(
      'http://range.internal:8080',
    );
    for (const url of ['http://127.0.0.1:9000', 'http://localhost:9000/pwned', 'http://[::1]:9000']) {
      const config = parse({ ...PRODUCTION, JWT_SECRET: strongSecret(), BREACHED_PASSWORD_API_URL: url });
      expect(config.breachedPasswords.apiUrl).toBe(url);
    }
  });

  it('refuses plain http to another host in production', () => {
    expect(
      problemsOf({ ...PRODUCTION, JWT_SECRET: strongSecret(), BREACHED_PASSWORD_API_URL: 'http://range.internal:8080' }),
    ).toEqual([{ variable: 'BREACHED_PASSWORD_API_URL', message: expect.stringMatching(/must use https in production/) }]);
  });

  it.each([
    ['not a URL', 'range.internal', /absolute http\(s\) URL/],
    ['another scheme', 'ftp://range.internal', /http\(s\) URL, got "ftp:"/],
    ['credentials', 'https://user:secret@range.internal', /must not carry credentials/],
    ['a query', 'https://range.internal/?key=1', /query or fragment/],
  ])('refuses a URL with %s', (_label, url, message) => {
    expect(problemsOf({ BREACHED_PASSWORD_API_URL: url })).toEqual([
      { variable: 'BREACHED_PASSWORD_API_URL', message: expect.stringMatching(message) },
    ]);
  });

  it('refuses an unknown policy and an out-of-range timeout', () => {
    expect(variables(problemsOf({ BREACHED_PASSWORD_POLICY: 'ignore', BREACHED_PASSWORD_TIMEOUT_MS: '10' }))).toEqual([
      'BREACHED_PASSWORD_POLICY',
      'BREACHED_PASSWORD_TIMEOUT_MS',
    ]);
    expect(problemsOf({ BREACHED_PASSWORD_TIMEOUT_MS: '1.5s' })).toEqual([
      { variable: 'BREACHED_PASSWORD_TIMEOUT_MS', message: 'must be an integer, got "1.5s"' },
    ]);
  });

  it('applies the offline list to ADMIN_PASSWORD', () => {
    expect(problemsOf({ APP_ENV: 'test', ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: '1qaz2wsx3edc' })).toEqual([
      { variable: 'ADMIN_PASSWORD', message: expect.stringMatching(/breaks the password policy: .*data breach/) },
    ]);
  });
});

describe('isWeakSecret', () => {
  it.each(['changeme'.repeat(10), 'secret'.repeat(11), 'PASSWORD'.repeat(9), 'a'.repeat(80), 'abc123'.repeat(15)])(
    'flags %p',
    (secret) => {
      expect(isWeakSecret(secret)).toBe(true);
    },
  );

  it('flags fewer than 16 distinct characters', () => {
    expect(isWeakSecret('0123456789abcde'.repeat(6))).toBe(true);
    expect(isWeakSecret('0123456789abcdef'.repeat(6))).toBe(false);
  });

  it('accepts random secrets, even with a placeholder word inside', () => {
    for (let i = 0; i < 20; i++) expect(isWeakSecret(strongSecret())).toBe(false);
    expect(isWeakSecret(`changeme${strongSecret()}`)).toBe(false);
  });
});
