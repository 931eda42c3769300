import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { EnvReader, type EnvProblem, InvalidEnvironmentError, type Rate, type RawEnv } from './env-reader';

export { EnvReader, type EnvProblem, InvalidEnvironmentError, type Rate, type RawEnv } from './env-reader';

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
  logLevel: LogLevel;
  trustProxy: boolean;
  gitSha: string;
  databaseUrl?: string;
  dbMigrateOnStart: boolean;
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
  jwtSecret: string;
  jwtSecretGenerated: boolean;
  auth: AuthSettings;
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

/** Brute-force defence of the login (the auth context). */
export interface LoginDefenceSettings {
  /** Failed logins per (client IP, email) before 429. */
  perIdentity: Rate;
  /** Failed logins per client IP across all emails (credential stuffing) before 429. */
  perIp: Rate;
  /** Consecutive failures that lock an account. */
  lockoutThreshold: number;
  /** First lockout's cooldown in seconds; each further lockout doubles it. */
  lockoutCooldown: number;
  lockoutMaxCooldown: number;
  /** A quiet period (no failure) after which the failure streak and lockout level start over. */
  lockoutResetAfter: number;
  /** Consecutive failures that make `auth.repeated_login_failures` (and flag the next success). */
  repeatedFailures: number;
}

export const SUSPICIOUS_REFRESH_POLICIES = ['allow_and_flag', 'deny'] as const;
export type SuspiciousRefreshPolicy = (typeof SUSPICIOUS_REFRESH_POLICIES)[number];

/** Identity and session settings (auth and sessions contexts). Durations in seconds. */
export interface AuthSettings {
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtl: number;
  /** The key being rotated out, still accepted until `jwtPreviousSecretValidUntil`. */
  jwtPreviousSecret?: string;
  jwtPreviousSecretValidUntil?: Date;
  refreshReuseGrace: number;
  sessionIdleTimeout: number;
  sessionMaxLifetime: number;
  /** How long a revoked/expired session is kept (for the user's view and audit) before the cleanup job deletes it. */
  sessionRetention: number;
  suspiciousRefreshPolicy: SuspiciousRefreshPolicy;
  argon2: { memoryKib: number; timeCost: number; parallelism: number; maxConcurrency: number; maxQueue: number };
  passwordMinScore: number;
  adminEmail?: string;
  adminPassword?: string;
  login: LoginDefenceSettings;
  mfa: MfaSettings;
}

/** One AES-256 key of the MFA secret keyring. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface MfaSettings {
  /** First key encrypts; every key decrypts (rotation). */
  encryptionKeys: EncryptionKey[];
  /** True when no MFA_ENCRYPTION_KEYS was set outside production and a per-process key was generated. */
  encryptionKeysGenerated: boolean;
  requiredForAdmins: boolean;
  issuer: string;
}

/** Secrets that must never reach production, whatever their length. */
const KNOWN_WEAK_SECRETS = ['changeme', 'secret', 'password', 'development', 'test', 'example'];

const MIN_JWT_SECRET_BYTES = 64;

/**
 * Parses and validates the raw environment. Collects every problem before failing so an
 * operator sees them all at once.
 */
export function parseEnvironment(raw: RawEnv, generateSecret: () => string): Environment {
  const { env, problems } = readEnvironment(raw, generateSecret);
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return env;
}

/**
 * The environment read with a default in place of each invalid value, and the problems
 * found: lets the start-up check judge the rest (context rules) even when some values are
 * wrong, and report everything at once. Never run the app on an `env` that came with problems.
 */
export function readEnvironment(raw: RawEnv, generateSecret: () => string): { env: Environment; problems: EnvProblem[] } {
  const r = new EnvReader(raw);
  const appEnv = r.enumOf('APP_ENV', APP_ENVS, 'development');
  const production = appEnv === 'production';

  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  if (production && databaseUrl === undefined) {
    r.problem('DATABASE_URL', 'is required in production (the embedded PostgreSQL is for development only)');
  }

  let jwtSecret = r.string('JWT_SECRET');
  let jwtSecretGenerated = false;
  if (jwtSecret === undefined) {
    if (production) {
      r.problem('JWT_SECRET', `is required in production (at least ${MIN_JWT_SECRET_BYTES} bytes)`);
    }
    jwtSecret = generateSecret();
    jwtSecretGenerated = true;
  } else if (production) {
    if (Buffer.byteLength(jwtSecret, 'utf8') < MIN_JWT_SECRET_BYTES) {
      r.problem('JWT_SECRET', `is too short: at least ${MIN_JWT_SECRET_BYTES} bytes are required in production`);
    } else if (isWeakSecret(jwtSecret)) {
      r.problem('JWT_SECRET', 'is a placeholder or low-entropy value; generate one with `openssl rand -base64 64`');
    }
  }

  const auth = parseAuth(r, production, generateSecret);

  const env: Environment = {
    appEnv,
    host: r.string('HOST') ?? '127.0.0.1',
    port: r.int('PORT', 3000, 0, 65535),
    logLevel: r.enumOf('LOG_LEVEL', LOG_LEVELS, appEnv === 'test' ? 'warn' : 'info'),
    trustProxy: r.bool('TRUST_PROXY', false),
    gitSha: r.string('GIT_SHA') ?? 'unknown',
    databaseUrl,
    dbMigrateOnStart: r.bool('DB_MIGRATE_ON_START', !production),
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
    jwtSecret,
    jwtSecretGenerated,
    auth,
    rateLimit: parseRateLimit(r),
    security: parseSecurity(r, production),
    observability: parseObservability(r, production),
  };

  return { env, problems: r.problems };
}

const HOUR = 3600;
const DAY = 24 * HOUR;

function parseAuth(r: EnvReader, production: boolean, processSecret: () => string): AuthSettings {
  const jwtPreviousSecret = r.string('JWT_PREVIOUS_SECRET');
  const jwtPreviousSecretValidUntil = r.date('JWT_PREVIOUS_SECRET_VALID_UNTIL');
  if (jwtPreviousSecret && !jwtPreviousSecretValidUntil) {
    r.problem('JWT_PREVIOUS_SECRET_VALID_UNTIL', 'is required with JWT_PREVIOUS_SECRET (end of the rotation window)');
  }
  const adminEmail = r.string('ADMIN_EMAIL')?.toLowerCase();
  const adminPassword = r.string('ADMIN_PASSWORD');
  if (production && adminEmail && !adminPassword) {
    r.problem('ADMIN_PASSWORD', 'is required in production when ADMIN_EMAIL is set');
  }
  const argon2 = {
    memoryKib: r.int('ARGON2_MEMORY_KIB', 19456, 19456, 4 * 1024 * 1024),
    timeCost: r.int('ARGON2_TIME_COST', 2, 2, 20),
    parallelism: r.int('ARGON2_PARALLELISM', 1, 1, 16),
    // Hashing is CPU-bound: at most one per core at a time, a short queue, then fast 503s.
    maxConcurrency: r.int('ARGON2_MAX_CONCURRENCY', availableParallelism(), 1, 256),
    maxQueue: r.int('ARGON2_MAX_QUEUE', 8 * availableParallelism(), 0, 10_000),
  };
  const sessionIdleTimeout = r.duration('SESSION_IDLE_TIMEOUT', DAY, 60, 90 * DAY);
  const sessionMaxLifetime = r.duration('SESSION_MAX_LIFETIME', 30 * DAY, 300, 365 * DAY);
  return {
    jwtIssuer: r.string('JWT_ISSUER') ?? 'bastion',
    jwtAudience: r.string('JWT_AUDIENCE') ?? 'bastion-api',
    accessTokenTtl: r.duration('JWT_ACCESS_TTL', 15 * 60, 30, DAY),
    jwtPreviousSecret,
    jwtPreviousSecretValidUntil,
    refreshReuseGrace: r.duration('REFRESH_REUSE_GRACE_SECONDS', 0, 0, 120),
    sessionIdleTimeout: Math.min(sessionIdleTimeout, sessionMaxLifetime),
    sessionMaxLifetime,
    sessionRetention: r.duration('SESSION_RETENTION', 30 * DAY, 0, 365 * DAY),
    suspiciousRefreshPolicy: r.enumOf('SUSPICIOUS_REFRESH_POLICY', SUSPICIOUS_REFRESH_POLICIES, 'allow_and_flag'),
    argon2,
    passwordMinScore: r.int('PASSWORD_MIN_SCORE', 3, 0, 4),
    adminEmail,
    adminPassword,
    login: parseLoginDefence(r),
    mfa: parseMfa(r, production, processSecret),
  };
}

function parseMfa(r: EnvReader, production: boolean, processSecret: () => string): MfaSettings {
  const raw = r.string('MFA_ENCRYPTION_KEYS');
  const encryptionKeys: EncryptionKey[] = [];
  if (raw === undefined) {
    if (production) r.problem('MFA_ENCRYPTION_KEYS', 'is required in production: id:base64key[,id:base64key...] (32-byte keys)');
  } else {
    for (const entry of raw.split(',').map((e) => e.trim())) {
      const match = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(entry);
      const key = match ? Buffer.from(match[2], 'base64') : Buffer.alloc(0);
      if (!match || key.length !== 32) {
        r.problem('MFA_ENCRYPTION_KEYS', 'each entry must be id:base64 of exactly 32 bytes (openssl rand -base64 32)');
        break;
      }
      if (encryptionKeys.some((k) => k.id === match[1])) r.problem('MFA_ENCRYPTION_KEYS', `key id "${match[1]}" appears twice`);
      encryptionKeys.push({ id: match[1], key });
    }
  }
  const generated = raw === undefined && !production;
  return {
    // Outside production without keys: one key per process (like the JWT secret), so MFA
    // secrets enrolled in development do not survive a restart.
    encryptionKeys: generated
      ? [{ id: 'dev', key: createHash('sha256').update(`mfa:${processSecret()}`).digest() }]
      : encryptionKeys,
    encryptionKeysGenerated: generated,
    requiredForAdmins: r.bool('MFA_REQUIRED_FOR_ADMINS', false),
    issuer: r.string('MFA_ISSUER') ?? 'Bastion',
  };
}

function parseLoginDefence(r: EnvReader): LoginDefenceSettings {
  const lockoutCooldown = r.duration('LOCKOUT_COOLDOWN', 15 * 60, 1, DAY);
  return {
    perIdentity: r.rate('LOGIN_FAILURES_PER_IDENTITY', { limit: 5, windowSeconds: 60 }),
    perIp: r.rate('LOGIN_FAILURES_PER_IP', { limit: 100, windowSeconds: 15 * 60 }),
    lockoutThreshold: r.int('LOCKOUT_THRESHOLD', 10, 1, 1000),
    lockoutCooldown,
    lockoutMaxCooldown: Math.max(lockoutCooldown, r.duration('LOCKOUT_MAX_COOLDOWN', DAY, 1, 30 * DAY)),
    lockoutResetAfter: r.duration('LOCKOUT_RESET_AFTER', DAY, 60, 90 * DAY),
    repeatedFailures: r.int('REPEATED_LOGIN_FAILURES', 3, 1, 1000),
  };
}

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

/** A secret made of a known placeholder, or of very few distinct characters. */
export function isWeakSecret(secret: string): boolean {
  const lower = secret.toLowerCase();
  if (KNOWN_WEAK_SECRETS.some((weak) => lower.replaceAll(weak, '').length < lower.length / 2)) return true;
  return new Set(secret).size < 16;
}
