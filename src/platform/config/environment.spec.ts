import { collectProblems, type EnvProblem, InvalidEnvironmentError, parseEnvironment } from './environment';

const PROD_DB = 'postgres://bastion:pw@db.internal:5432/bastion';
const METRICS_TOKEN = 'metrics-scrape-token-for-tests';

/** Runs the parser expecting it to fail and returns the reported problems. */
const problemsOf = (raw: Record<string, string | undefined>): EnvProblem[] => collectProblems(() => parseEnvironment(raw));

const variables = (problems: EnvProblem[]): string[] => problems.map((p) => p.variable).sort();

describe('parseEnvironment', () => {
  describe('defaults in development', () => {
    it('gives a complete development environment from an empty one', () => {
      const env = parseEnvironment({});
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
        publicBaseUrl: 'http://127.0.0.1:3000',
      });
      expect(env.databaseUrl).toBeUndefined();
      expect(env.redisUrl).toBeUndefined();
    });

    it('treats blank values as unset and trims the others', () => {
      const env = parseEnvironment({ HOST: '   ', PORT: '', GIT_SHA: '  abc123  ' });
      expect(env.host).toBe('127.0.0.1');
      expect(env.port).toBe(3000);
      expect(env.gitSha).toBe('abc123');
    });

    it('logs at warn by default under APP_ENV=test', () => {
      expect(parseEnvironment({ APP_ENV: 'test' }).logLevel).toBe('warn');
    });

    it('reads explicit values', () => {
      const env = parseEnvironment({
        PORT: '8080',
        LOG_LEVEL: 'debug',
        TRUST_PROXY: 'yes',
        DATABASE_URL: 'postgresql://localhost/db',
        REDIS_URL: 'rediss://cache:6380',
        DB_POOL_SIZE: '25',
        MAX_REQUEST_SIZE_BYTES: '2048',
      });
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
      expect(parseEnvironment({ TRUST_PROXY: raw }).trustProxy).toBe(expected);
    });
  });

  describe('production', () => {
    it('reports a missing DATABASE_URL and a missing METRICS_TOKEN together', () => {
      let thrown: unknown;
      try {
        parseEnvironment({ APP_ENV: 'production' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidEnvironmentError);
      const error = thrown as InvalidEnvironmentError;
      expect(error.name).toBe('InvalidEnvironmentError');
      expect(variables(error.problems)).toEqual(['DATABASE_URL', 'METRICS_TOKEN']);
      expect(error.message).toContain('2 problems');
      expect(error.message).toContain('DATABASE_URL');
      expect(error.message).toContain('METRICS_TOKEN');
    });

    it('defaults to no migrations on start and a shutdown grace period', () => {
      const env = parseEnvironment({ APP_ENV: 'production', DATABASE_URL: PROD_DB, METRICS_TOKEN });
      expect(env.dbMigrateOnStart).toBe(false);
      expect(env.shutdownGraceMs).toBe(5000);
    });

    it('still lets an operator opt in to migrations on start', () => {
      const env = parseEnvironment({
        APP_ENV: 'production',
        DATABASE_URL: PROD_DB,
        METRICS_TOKEN,
        DB_MIGRATE_ON_START: 'true',
      });
      expect(env.dbMigrateOnStart).toBe(true);
    });
  });

  describe('dbMigrateOnStart outside production', () => {
    it.each(['development', 'test'])('defaults to true under APP_ENV=%s', (appEnv) => {
      expect(parseEnvironment({ APP_ENV: appEnv }).dbMigrateOnStart).toBe(true);
    });

    it('can be switched off', () => {
      expect(parseEnvironment({ DB_MIGRATE_ON_START: 'false' }).dbMigrateOnStart).toBe(false);
    });
  });

  describe('dbRuntimeRole', () => {
    it('is bastion_runtime for a privileged login outside production, unset in production (the login is bastion_app there)', () => {
      expect(parseEnvironment({}).dbRuntimeRole).toEqual({ name: 'bastion_runtime', onlyForPrivilegedLogin: true });
      expect(parseEnvironment({ APP_ENV: 'production', DATABASE_URL: PROD_DB, METRICS_TOKEN }).dbRuntimeRole).toBeNull();
    });

    it('can be named (then always used), or turned off with none', () => {
      expect(parseEnvironment({ DB_RUNTIME_ROLE: 'App_Queries' }).dbRuntimeRole).toEqual({
        name: 'app_queries',
        onlyForPrivilegedLogin: false,
      });
      expect(parseEnvironment({ DB_RUNTIME_ROLE: 'none' }).dbRuntimeRole).toBeNull();
    });

    it('refuses a name that is not a plain role name', () => {
      expect(() => parseEnvironment({ DB_RUNTIME_ROLE: 'x; DROP ROLE postgres' })).toThrow(
        /DB_RUNTIME_ROLE: must be a role name/,
      );
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
      ['PUBLIC_BASE_URL', 'ftp://bastion.example', /must use http: or https:/],
      ['DB_POOL_SIZE', '0', /between 1 and 200/],
      ['MAX_REQUEST_SIZE_BYTES', '10', /between 1024/],
      ['RATE_LIMIT_IP', '300', /rate like 5\/1m/],
      ['RATE_LIMIT_TOKEN', '0/1m', /rate like/],
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
      expect(() => parseEnvironment({ PORT: 'x', TRUST_PROXY: 'y' })).toThrow(
        /Invalid configuration \(2 problems\):\n {2}- PORT: .*\n {2}- TRUST_PROXY: /,
      );
    });
  });
});

describe('security and observability settings', () => {
  it('reads exact CORS origins and allows credentials with them', () => {
    const env = parseEnvironment({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173,https://app.example.com' });
    expect(env.security).toEqual({
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      corsAllowCredentials: true,
    });
  });

  it('allows * outside production only, and never with credentials', () => {
    expect(parseEnvironment({ CORS_ORIGINS: '*' }).security).toEqual({
      corsOrigins: ['*'],
      corsAllowCredentials: false,
    });
    expect(variables(problemsOf({ CORS_ORIGINS: '*', CORS_ALLOW_CREDENTIALS: 'true' }))).toEqual(['CORS_ALLOW_CREDENTIALS']);
    const production = {
      APP_ENV: 'production',
      DATABASE_URL: PROD_DB,
      METRICS_TOKEN,
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
    const production = { APP_ENV: 'production', DATABASE_URL: PROD_DB };
    expect(variables(problemsOf(production))).toEqual(['METRICS_TOKEN']);
    expect(parseEnvironment({ ...production, METRICS_PORT: '9464' }).observability).toMatchObject({
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
    });
    expect(variables(problemsOf({ METRICS_TOKEN: 'short' }))).toEqual(['METRICS_TOKEN']);
  });
});

describe('rate limits', () => {
  it('default to 300/min per IP and 10/h registrations', () => {
    const env = parseEnvironment({});
    expect(env.rateLimit).toMatchObject({
      enabled: true,
      ip: { limit: 300, windowSeconds: 60 },
      register: { limit: 10, windowSeconds: 3600 },
    });
  });

  it('read rates as N/duration in seconds, minutes, hours or days', () => {
    const env = parseEnvironment({
      RATE_LIMIT_IP: '50/30s',
      RATE_LIMIT_USER: '1000 / 1h',
      RATE_LIMIT_REGISTER: '20/1d',
      RATE_LIMIT_TOKEN: '7/90',
    });
    expect(env.rateLimit.ip).toEqual({ limit: 50, windowSeconds: 30 });
    expect(env.rateLimit.user).toEqual({ limit: 1000, windowSeconds: 3600 });
    expect(env.rateLimit.token).toEqual({ limit: 7, windowSeconds: 90 });
    expect(env.rateLimit.register).toEqual({ limit: 20, windowSeconds: 86_400 });
  });
});
