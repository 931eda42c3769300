import { EnvReader, type EnvProblem, InvalidEnvironmentError, type Rate, type RawEnv } from './env-reader';

export {
  collectProblems,
  EnvReader,
  isLoopback,
  type EnvProblem,
  InvalidEnvironmentError,
  type Rate,
  type RawEnv,
} from './env-reader';

/**
 * The one validated schema of Bastion's environment. Framework-free so that it can be
 * unit-tested and reused by scripts (migrations CLI, OpenAPI generator, seeders).
 */
export const APP_ENVS = ['development', 'test', 'production'] as const;
export type AppEnv = (typeof APP_ENVS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Environment {
  appEnv: AppEnv;
  host: string;
  port: number;
  /** Where people reach this service (links in mail point at its console); no trailing slash. */
  publicBaseUrl: string;
  logLevel: LogLevel;
  trustProxy: boolean;
  gitSha: string;
  databaseUrl?: string;
  dbMigrateOnStart: boolean;
  /**
   * The role the pooled connections run their queries as (`SET ROLE` at connect), neither owner
   * nor superuser, so row-level security applies: DB_RUNTIME_ROLE. Unset outside production:
   * `bastion_runtime`, used only when the login itself could bypass row-level security (the
   * embedded cluster's superuser). Unset in production: none (`DATABASE_URL` logs in as the
   * least-privilege `bastion_app`). A name: always that role. `none`: never.
   */
  dbRuntimeRole: { name: string; onlyForPrivilegedLogin: boolean } | null;
  dbPoolSize: number;
  /** Longest wait for a pooled connection (acquire or connect) before the request gets 503. */
  dbConnectTimeoutMs: number;
  /** Server-side `statement_timeout` of every app connection (0 = none); a hung query gives 503, not a hung request. */
  dbStatementTimeoutMs: number;
  embeddedPgDir: string;
  embeddedPgPort: number;
  redisUrl?: string;
  /** Prepended to every Redis key, so several deployments (or test runs) can share one Redis. */
  redisKeyPrefix: string;
  maxRequestSizeBytes: number;
  shutdownGraceMs: number;
  /** Nice value of libuv's threadpool threads (argon2 runs there), above the event loop's; 0 leaves them alone. */
  threadpoolNice: number;
  rateLimit: RateLimitSettings;
  security: SecuritySettings;
  observability: ObservabilitySettings;
}

/** HTTP surface hardening: CORS allowlist (the header policies follow `appEnv`). */
export interface SecuritySettings {
  /** Exact origins allowed to call the API from a browser; `['*']` (any, without credentials) outside production only. */
  corsOrigins: string[];
  corsAllowCredentials: boolean;
}

export interface ObservabilitySettings {
  /** Bearer token `/metrics` requires; required in production unless metrics are on their own port. */
  metricsToken?: string;
  /** Serve `/metrics` only on this port (loopback or a private interface), not on the API port. */
  metricsPort?: number;
  metricsHost: string;
  /** OTLP/HTTP base endpoint (e.g. http://collector:4318); spans go to `<it>/v1/traces`. Export is off when unset. */
  otlpEndpoint?: string;
}

/** Request-rate tiers (`@nestjs/throttler`); counters in Redis when `REDIS_URL` is set. */
export interface RateLimitSettings {
  enabled: boolean;
  /** Every request, per client IP. */
  ip: Rate;
  /** Every authenticated request, per user. */
  user: Rate;
  register: Rate;
  token: Rate;
  refresh: Rate;
}

/**
 * Parses and validates the raw environment. Collects every problem before failing so an
 * operator sees them all at once.
 */
export function parseEnvironment(raw: RawEnv): Environment {
  const { env, problems } = readEnvironment(raw);
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return env;
}

/**
 * The environment read with a default in place of each invalid value, and the problems
 * found: lets the start-up check judge the rest (context rules) even when some values are
 * wrong, and report everything at once. Never run the app on an `env` that came with problems.
 */
export function readEnvironment(raw: RawEnv): { env: Environment; problems: EnvProblem[] } {
  const r = new EnvReader(raw);
  const appEnv = r.enumOf('APP_ENV', APP_ENVS, 'development');
  const production = appEnv === 'production';

  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  if (production && databaseUrl === undefined) {
    r.problem('DATABASE_URL', 'is required in production (the embedded PostgreSQL is for development only)');
  }

  const env: Environment = {
    appEnv,
    host: r.string('HOST') ?? '127.0.0.1',
    port: r.int('PORT', 3000, 0, 65535),
    publicBaseUrl: (r.url('PUBLIC_BASE_URL', ['http:', 'https:']) ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    logLevel: r.enumOf('LOG_LEVEL', LOG_LEVELS, appEnv === 'test' ? 'warn' : 'info'),
    trustProxy: r.bool('TRUST_PROXY', false),
    gitSha: r.string('GIT_SHA') ?? 'unknown',
    databaseUrl,
    dbMigrateOnStart: r.bool('DB_MIGRATE_ON_START', !production),
    dbRuntimeRole: readRuntimeRole(r, production),
    dbPoolSize: r.int('DB_POOL_SIZE', 10, 1, 200),
    dbConnectTimeoutMs: r.int('DB_CONNECT_TIMEOUT_MS', 5000, 100, 120_000),
    dbStatementTimeoutMs: r.int('DB_STATEMENT_TIMEOUT_MS', 10_000, 0, 3_600_000),
    embeddedPgDir: r.string('EMBEDDED_PG_DIR') ?? 'db_files/postgres',
    embeddedPgPort: r.int('EMBEDDED_PG_PORT', 0, 0, 65535),
    redisUrl: r.url('REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: r.string('REDIS_KEY_PREFIX') ?? 'bastion:',
    maxRequestSizeBytes: r.int('MAX_REQUEST_SIZE_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', production ? 5000 : 0, 0, 120_000),
    threadpoolNice: r.int('THREADPOOL_NICE', 10, 0, 19),
    rateLimit: parseRateLimit(r),
    security: parseSecurity(r, production),
    observability: parseObservability(r, production),
  };

  return { env, problems: r.problems };
}

const HOUR = 3600;

function parseSecurity(r: EnvReader, production: boolean): SecuritySettings {
  const raw = r.string('CORS_ORIGINS');
  const corsOrigins =
    raw === undefined
      ? []
      : [
          ...new Set(
            raw
              .split(',')
              .map((o) => o.trim())
              .filter((o) => o.length > 0),
          ),
        ];
  for (const origin of corsOrigins) {
    if (origin === '*') {
      if (production) r.problem('CORS_ORIGINS', 'must list exact origins in production, not *');
      continue;
    }
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      r.problem(
        'CORS_ORIGINS',
        `"${origin}" is not an exact origin like https://app.example.com (scheme, host, optional port; no path)`,
      );
    }
  }
  const wildcard = corsOrigins.includes('*');
  const corsAllowCredentials = r.bool('CORS_ALLOW_CREDENTIALS', !wildcard);
  if (wildcard && corsAllowCredentials)
    r.problem('CORS_ALLOW_CREDENTIALS', 'cannot be true with CORS_ORIGINS=* (browsers refuse it)');
  return { corsOrigins, corsAllowCredentials };
}

function parseObservability(r: EnvReader, production: boolean): ObservabilitySettings {
  const metricsToken = r.string('METRICS_TOKEN');
  const port = r.int('METRICS_PORT', 0, 0, 65535);
  if (production && !metricsToken && port === 0) {
    r.problem('METRICS_TOKEN', 'is required in production unless METRICS_PORT serves /metrics on its own port');
  }
  if (metricsToken !== undefined && metricsToken.length < 16) r.problem('METRICS_TOKEN', 'must be at least 16 characters');
  return {
    metricsToken,
    metricsPort: port === 0 ? undefined : port,
    metricsHost: r.string('METRICS_HOST') ?? '127.0.0.1',
    otlpEndpoint: r.url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']),
  };
}

function parseRateLimit(r: EnvReader): RateLimitSettings {
  return {
    enabled: r.bool('RATE_LIMIT_ENABLED', true),
    ip: r.rate('RATE_LIMIT_IP', { limit: 300, windowSeconds: 60 }),
    user: r.rate('RATE_LIMIT_USER', { limit: 600, windowSeconds: 60 }),
    register: r.rate('RATE_LIMIT_REGISTER', { limit: 10, windowSeconds: HOUR }),
    token: r.rate('RATE_LIMIT_TOKEN', { limit: 30, windowSeconds: 60 }),
    refresh: r.rate('RATE_LIMIT_REFRESH', { limit: 60, windowSeconds: 60 }),
  };
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function readRuntimeRole(r: EnvReader, production: boolean): Environment['dbRuntimeRole'] {
  const value = r.string('DB_RUNTIME_ROLE')?.toLowerCase();
  if (value === undefined) return production ? null : { name: 'bastion_runtime', onlyForPrivilegedLogin: true };
  if (value === 'none') return null;
  if (!ROLE_NAME.test(value)) {
    r.problem('DB_RUNTIME_ROLE', `must be a role name (lower-case letters, digits, _) or none, got "${value}"`);
    return null;
  }
  return { name: value, onlyForPrivilegedLogin: false };
}
