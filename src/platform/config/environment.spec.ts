import { randomBytes } from 'node:crypto';
import { type EnvProblem, InvalidEnvironmentError, isWeakSecret, parseEnvironment } from './environment';

const GENERATED = 'generated-secret-for-tests';
const generate = (): string => GENERATED;
const strongSecret = (): string => randomBytes(64).toString('base64');
const PROD_DB = 'postgres://bastion:pw@db.internal:5432/bastion';
const METRICS_TOKEN = 'metrics-scrape-token-for-tests';
const MFA_ENCRYPTION_KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

/** Runs the parser expecting it to fail and returns the reported problems. */
function problemsOf(raw: Record<string, string | undefined>): EnvProblem[] {
  try {
    parseEnvironment(raw, generate);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  throw new Error('expected parseEnvironment to throw InvalidEnvironmentError');
}

const variables = (problems: EnvProblem[]): string[] => problems.map((p) => p.variable).sort();

describe('parseEnvironment', () => {
  describe('defaults in development', () => {
    it('gives a complete development environment from an empty one', () => {
      const env = parseEnvironment({}, generate);
      expect(env).toMatchObject({
        appEnv: 'development',
        host: '127.0.0.1',
        port: 3000,
        logLevel: 'info',
        trustProxy: false,
        gitSha: 'unknown',
        dbMigrateOnStart: true,
        dbPoolSize: 10,
        embeddedPgDir: 'db_files/postgres',
        embeddedPgPort: 0,
        maxRequestSizeBytes: 1024 * 1024,
        shutdownGraceMs: 0,
        jwtSecret: GENERATED,
        jwtSecretGenerated: true,
      });
      expect(env.databaseUrl).toBeUndefined();
      expect(env.redisUrl).toBeUndefined();
    });

    it('treats blank values as unset and trims the others', () => {
      const env = parseEnvironment({ HOST: '   ', PORT: '', GIT_SHA: '  abc123  ' }, generate);
      expect(env.host).toBe('127.0.0.1');
      expect(env.port).toBe(3000);
      expect(env.gitSha).toBe('abc123');
    });

    it('logs at warn by default under APP_ENV=test', () => {
      expect(parseEnvironment({ APP_ENV: 'test' }, generate).logLevel).toBe('warn');
    });

    it('reads explicit values', () => {
      const env = parseEnvironment(
        {
          PORT: '8080',
          LOG_LEVEL: 'debug',
          TRUST_PROXY: 'yes',
          DATABASE_URL: 'postgresql://localhost/db',
          REDIS_URL: 'rediss://cache:6380',
          DB_POOL_SIZE: '25',
          MAX_REQUEST_SIZE_BYTES: '2048',
        },
        generate,
      );
      expect(env).toMatchObject({
        port: 8080,
        logLevel: 'debug',
        trustProxy: true,
        databaseUrl: 'postgresql://localhost/db',
        redisUrl: 'rediss://cache:6380',
        dbPoolSize: 25,
        maxRequestSizeBytes: 2048,
      });
    });

    it.each([
      ['true', true],
      ['1', true],
      ['YES', true],
      ['false', false],
      ['0', false],
      ['No', false],
    ])('accepts boolean %p as %p', (raw, expected) => {
      expect(parseEnvironment({ TRUST_PROXY: raw }, generate).trustProxy).toBe(expected);
    });
  });

  describe('the JWT secret', () => {
    it('is generated, and flagged as generated, when absent outside production', () => {
      const generator = jest.fn(() => 'fresh');
      const env = parseEnvironment({ APP_ENV: 'development', MFA_ENCRYPTION_KEYS }, generator);
      expect(generator).toHaveBeenCalledTimes(1);
      expect(env.jwtSecret).toBe('fresh');
      expect(env.jwtSecretGenerated).toBe(true);
    });

    it('is used as given, and not flagged as generated, when set', () => {
      const generator = jest.fn(() => 'fresh');
      const env = parseEnvironment({ JWT_SECRET: 'dev-secret', MFA_ENCRYPTION_KEYS }, generator);
      expect(generator).not.toHaveBeenCalled();
      expect(env.jwtSecret).toBe('dev-secret');
      expect(env.jwtSecretGenerated).toBe(false);
    });

    it('is not checked for strength outside production', () => {
      expect(parseEnvironment({ APP_ENV: 'test', JWT_SECRET: 'changeme' }, generate).jwtSecret).toBe('changeme');
    });

    it('is refused in production when shorter than 64 bytes', () => {
      const problems = problemsOf({
        APP_ENV: 'production',
        DATABASE_URL: PROD_DB,
        METRICS_TOKEN,
        MFA_ENCRYPTION_KEYS,
        JWT_SECRET: strongSecret().slice(0, 63),
      });
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
      const problems = problemsOf({
        APP_ENV: 'production',
        DATABASE_URL: PROD_DB,
        METRICS_TOKEN,
        MFA_ENCRYPTION_KEYS,
        JWT_SECRET: secret,
      });
      expect(problems).toEqual([{ variable: 'JWT_SECRET', message: expect.stringMatching(/placeholder or low-entropy/) }]);
    });

    it('accepts a strong random 64-byte base64 secret in production', () => {
      const secret = strongSecret();
      const env = parseEnvironment(
        { APP_ENV: 'production', DATABASE_URL: PROD_DB, METRICS_TOKEN, MFA_ENCRYPTION_KEYS, JWT_SECRET: secret },
        generate,
      );
      expect(env.jwtSecret).toBe(secret);
      expect(env.jwtSecretGenerated).toBe(false);
    });
  });

  describe('production', () => {
    it('reports a missing DATABASE_URL and a missing JWT_SECRET together', () => {
      let thrown: unknown;
      try {
        parseEnvironment({ APP_ENV: 'production' }, generate);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidEnvironmentError);
      const error = thrown as InvalidEnvironmentError;
      expect(error.name).toBe('InvalidEnvironmentError');
      expect(variables(error.problems)).toEqual(['DATABASE_URL', 'JWT_SECRET', 'METRICS_TOKEN', 'MFA_ENCRYPTION_KEYS']);
      expect(error.message).toContain('4 problems');
      expect(error.message).toContain('DATABASE_URL');
      expect(error.message).toContain('JWT_SECRET');
    });

    it('defaults to no migrations on start and a shutdown grace period', () => {
      const env = parseEnvironment(
        { APP_ENV: 'production', DATABASE_URL: PROD_DB, METRICS_TOKEN, MFA_ENCRYPTION_KEYS, JWT_SECRET: strongSecret() },
        generate,
      );
      expect(env.dbMigrateOnStart).toBe(false);
      expect(env.shutdownGraceMs).toBe(5000);
    });

    it('still lets an operator opt in to migrations on start', () => {
      const env = parseEnvironment(
        {
          APP_ENV: 'production',
          DATABASE_URL: PROD_DB,
          METRICS_TOKEN,
          MFA_ENCRYPTION_KEYS,
          JWT_SECRET: strongSecret(),
          DB_MIGRATE_ON_START: 'true',
        },
        generate,
      );
      expect(env.dbMigrateOnStart).toBe(true);
    });
  });

  describe('dbMigrateOnStart outside production', () => {
    it.each(['development', 'test'])('defaults to true under APP_ENV=%s', (appEnv) => {
      expect(parseEnvironment({ APP_ENV: appEnv }, generate).dbMigrateOnStart).toBe(true);
    });

    it('can be switched off', () => {
      expect(parseEnvironment({ DB_MIGRATE_ON_START: 'false' }, generate).dbMigrateOnStart).toBe(false);
    });
  });

  describe('invalid values', () => {
    it.each([
      ['PORT', 'abc', /must be an integer/],
      ['PORT', '70000', /between 0 and 65535/],
      ['PORT', '-1', /between 0 and 65535/],
      ['PORT', '80.5', /must be an integer/],
      ['APP_ENV', 'staging', /must be one of development\|test\|production/],
      ['LOG_LEVEL', 'verbose', /must be one of/],
      ['TRUST_PROXY', 'maybe', /must be true or false/],
      ['DB_MIGRATE_ON_START', 'on', /must be true or false/],
      ['DATABASE_URL', 'mysql://localhost/db', /must use postgres: or postgresql:/],
      ['DATABASE_URL', 'not a url', /must be a valid URL/],
      ['REDIS_URL', 'http://localhost:6379', /must use redis: or rediss:/],
      ['DB_POOL_SIZE', '0', /between 1 and 200/],
      ['MAX_REQUEST_SIZE_BYTES', '10', /between 1024/],
      ['RATE_LIMIT_IP', '300', /rate like 5\/1m/],
      ['RATE_LIMIT_TOKEN', '0/1m', /rate like/],
      ['LOGIN_FAILURES_PER_IDENTITY', '5/2d', /rate like/],
      ['LOCKOUT_THRESHOLD', '0', /between 1 and 1000/],
    ])('reports %s=%p', (variable, value, message) => {
      const problems = problemsOf({ [variable]: value });
      expect(problems).toEqual([{ variable, message: expect.stringMatching(message) }]);
    });

    it('reports several invalid variables at once', () => {
      const problems = problemsOf({
        APP_ENV: 'staging',
        PORT: 'http',
        TRUST_PROXY: 'perhaps',
        DATABASE_URL: 'mysql://localhost/db',
      });
      expect(variables(problems)).toEqual(['APP_ENV', 'DATABASE_URL', 'PORT', 'TRUST_PROXY']);
    });

    it('lists every problem in the error message', () => {
      expect(() => parseEnvironment({ PORT: 'x', TRUST_PROXY: 'y' }, generate)).toThrow(
        /Invalid configuration \(2 problems\):\n {2}- PORT: .*\n {2}- TRUST_PROXY: /,
      );
    });
  });
});

describe('security and observability settings', () => {
  it('reads exact CORS origins and allows credentials with them', () => {
    const env = parseEnvironment(
      { CORS_ORIGINS: 'https://app.example.com, http://localhost:5173,https://app.example.com' },
      generate,
    );
    expect(env.security).toEqual({
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      corsAllowCredentials: true,
    });
  });

  it('allows * outside production only, and never with credentials', () => {
    expect(parseEnvironment({ CORS_ORIGINS: '*' }, generate).security).toEqual({
      corsOrigins: ['*'],
      corsAllowCredentials: false,
    });
    expect(variables(problemsOf({ CORS_ORIGINS: '*', CORS_ALLOW_CREDENTIALS: 'true' }))).toEqual(['CORS_ALLOW_CREDENTIALS']);
    const production = {
      APP_ENV: 'production',
      DATABASE_URL: PROD_DB,
      JWT_SECRET: strongSecret(),
      METRICS_TOKEN,
      MFA_ENCRYPTION_KEYS,
    };
    expect(problemsOf({ ...production, CORS_ORIGINS: '*' })).toEqual([
      { variable: 'CORS_ORIGINS', message: expect.stringMatching(/exact origins in production/) },
    ]);
  });

  it.each(['https://app.example.com/', 'https://app.example.com/path', 'app.example.com', 'ftp://files.example.com'])(
    'refuses the origin %p',
    (origin) => {
      expect(variables(problemsOf({ CORS_ORIGINS: origin }))).toEqual(['CORS_ORIGINS']);
    },
  );

  it('needs METRICS_TOKEN in production unless METRICS_PORT is set, and a token of 16+ characters', () => {
    const production = { APP_ENV: 'production', DATABASE_URL: PROD_DB, JWT_SECRET: strongSecret(), MFA_ENCRYPTION_KEYS };
    expect(variables(problemsOf(production))).toEqual(['METRICS_TOKEN']);
    expect(parseEnvironment({ ...production, METRICS_PORT: '9464' }, generate).observability).toMatchObject({
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
    });
    expect(variables(problemsOf({ METRICS_TOKEN: 'short' }))).toEqual(['METRICS_TOKEN']);
  });
});

describe('MFA secret keyring', () => {
  it('reads id:base64 keys, the first one current', () => {
    const second = Buffer.alloc(32, 9).toString('base64');
    const env = parseEnvironment({ MFA_ENCRYPTION_KEYS: `${MFA_ENCRYPTION_KEYS},old:${second}` }, generate);
    expect(env.auth.mfa.encryptionKeys.map((k) => [k.id, k.key.length])).toEqual([
      ['k1', 32],
      ['old', 32],
    ]);
    expect(env.auth.mfa.encryptionKeysGenerated).toBe(false);
  });

  it('derives one stable key per process outside production when unset', () => {
    const a = parseEnvironment({}, generate).auth.mfa;
    const b = parseEnvironment({}, generate).auth.mfa;
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

describe('login defence and rate limits', () => {
  it('default to 5 failures/min per (IP, email), 100/15 min per IP, lockout after 10 for 15 min up to 24 h', () => {
    const env = parseEnvironment({}, generate);
    expect(env.auth.login).toEqual({
      perIdentity: { limit: 5, windowSeconds: 60 },
      perIp: { limit: 100, windowSeconds: 900 },
      lockoutThreshold: 10,
      lockoutCooldown: 900,
      lockoutMaxCooldown: 86_400,
      lockoutResetAfter: 86_400,
      repeatedFailures: 3,
    });
    expect(env.rateLimit).toMatchObject({
      enabled: true,
      ip: { limit: 300, windowSeconds: 60 },
      register: { limit: 10, windowSeconds: 3600 },
    });
  });

  it('read rates as N/duration in seconds, minutes, hours or days', () => {
    const env = parseEnvironment(
      { RATE_LIMIT_IP: '50/30s', RATE_LIMIT_USER: '1000 / 1h', LOGIN_FAILURES_PER_IP: '20/1d', RATE_LIMIT_TOKEN: '7/90' },
      generate,
    );
    expect(env.rateLimit.ip).toEqual({ limit: 50, windowSeconds: 30 });
    expect(env.rateLimit.user).toEqual({ limit: 1000, windowSeconds: 3600 });
    expect(env.rateLimit.token).toEqual({ limit: 7, windowSeconds: 90 });
    expect(env.auth.login.perIp).toEqual({ limit: 20, windowSeconds: 86_400 });
  });

  it('never lets the maximum cooldown fall below the first one', () => {
    const env = parseEnvironment({ LOCKOUT_COOLDOWN: '2h', LOCKOUT_MAX_COOLDOWN: '30m' }, generate);
    expect(env.auth.login.lockoutMaxCooldown).toBe(7200);
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
