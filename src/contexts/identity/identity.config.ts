import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { registerAs } from '@nestjs/config';
import { EnvReader, type EnvProblem, InvalidEnvironmentError, type Rate, type RawEnv } from '../../platform/config';
import { BREACHED_PASSWORD_POLICIES, type BreachedPasswordPolicy, breachedPasswordFailure } from './domain/breached-password';
import { isValidEmail } from './domain/email';
import { checkPassword } from './domain/password-policy';
import { isCommonBreachedPassword } from './infra/breached-password-list';
import { type JwtKeySettings, readJwtKeys } from './jwt-keys.config';

/** Brute-force defence of the login. */
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

/** Breached-password screening: the offline list always; a k-anonymity range API when `apiUrl` is set. */
export interface BreachedPasswordSettings {
  /** `BREACHED_PASSWORD_API_URL`: base of a Have I Been Pwned-shaped range API (`<url>/range/<5 hex>`), no trailing slash; unset = offline list only. */
  apiUrl?: string;
  /** `BREACHED_PASSWORD_TIMEOUT_MS` (default 1500): the whole range request, answer included. */
  timeoutMs: number;
  /** `BREACHED_PASSWORD_POLICY` (default fail_open): what a provider failure does to the password. */
  policy: BreachedPasswordPolicy;
}

/** The identity context's settings: tokens, sessions, passwords, login defence, MFA, the admin seed. Durations in seconds. */
export interface IdentityConfig {
  jwtSecret: string;
  /** True when no JWT_SECRET was set outside production and a per-process secret was generated. */
  jwtSecretGenerated: boolean;
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtl: number;
  /** The key being rotated out, still accepted until `jwtPreviousSecretValidUntil`. */
  jwtPreviousSecret?: string;
  jwtPreviousSecretValidUntil?: Date;
  /** The access-token keyring (JWT_ALG, JWT_SECRET, JWT_PRIVATE_KEY, JWT_KEYS): see `jwt-keys.config.ts`. */
  jwtKeys: JwtKeySettings;
  /** Leeway for `exp`, `nbf` and `iat` when verifying access tokens (JWT_CLOCK_TOLERANCE, default 5 s). */
  jwtClockTolerance: number;
  refreshReuseGrace: number;
  sessionIdleTimeout: number;
  sessionMaxLifetime: number;
  /** How long a revoked/expired session is kept (for the user's view and audit) before the cleanup job deletes it. */
  sessionRetention: number;
  /**
   * How recent a session's last authentication must be for sensitive actions (REAUTH_MAX_AGE,
   * default 10 minutes); older, they answer `401 reauthentication_required` (docs/identity.md, "Step-up").
   */
  reauthMaxAge: number;
  /**
   * How often the session cleanup job runs (SESSION_CLEANUP_INTERVAL, default 1 h), in ms. It is
   * both the schedule (every instance fires at each multiple of it, UTC-aligned) and the job's
   * slot, so the job runs once per interval across all instances.
   */
  sessionCleanupIntervalMs: number;
  suspiciousRefreshPolicy: SuspiciousRefreshPolicy;
  /** A login needs a verified address (and registration stops telling new and taken addresses apart). */
  requireEmailVerification: boolean;
  /** Lifetime of an address-verification link. */
  verifyEmailTokenTtl: number;
  /** Lifetime of a password-reset link. */
  resetTokenTtl: number;
  /** Lifetime of an invitation link (an admin-created account's way to set its password). */
  inviteTokenTtl: number;
  /**
   * How long a closed account waits before the erasure job erases it, in seconds
   * (ACCOUNT_DELETION_GRACE, default 7 days; 0: at once). Signing in before then cancels an
   * owner's own closing.
   */
  accountDeletionGrace: number;
  /** Requests that mail a link (forgot, verification) per address, and per client IP across addresses. */
  accountMail: { perAddress: Rate; perIp: Rate };
  argon2: { memoryKib: number; timeCost: number; parallelism: number; maxConcurrency: number; maxQueue: number };
  passwordMinScore: number;
  breachedPasswords: BreachedPasswordSettings;
  /** The admin account seeded at start: `ADMIN_EMAIL`, or `admin@example.com` in development; none when undefined. */
  adminEmail?: string;
  adminPassword?: string;
  login: LoginDefenceSettings;
  mfa: MfaSettings;
}

const HOUR = 3600;
const DAY = 24 * HOUR;
export const DEFAULT_CLEANUP_INTERVAL_MS = HOUR * 1000;
const MIN_JWT_SECRET_BYTES = 64;
/** Secrets that must never reach production, whatever their length. */
const KNOWN_WEAK_SECRETS = ['changeme', 'secret', 'password', 'development', 'test', 'example'];

let developmentSecret: string | undefined;

/**
 * Outside production a missing JWT secret (and MFA keyring) comes from one random value per
 * process: every app of the process (a test's second instance) trusts the same tokens.
 */
function processSecret(): string {
  developmentSecret ??= randomBytes(64).toString('base64url');
  return developmentSecret;
}

/**
 * The identity settings read with a default in place of each invalid value, and every problem
 * found, including the ones only this context's rules can judge (an `ADMIN_PASSWORD` that
 * breaks the password policy). Never run the app on a config that came with problems.
 */
export function readIdentityConfig(
  raw: RawEnv,
  generateSecret: () => string = processSecret,
): { config: IdentityConfig; problems: EnvProblem[] } {
  const r = new EnvReader(raw);
  const appEnv = raw.APP_ENV?.trim() || 'development';
  const production = appEnv === 'production';

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
  const sessionIdleTimeout = r.duration('SESSION_IDLE_TIMEOUT', DAY, 60, 90 * DAY);
  const sessionMaxLifetime = r.duration('SESSION_MAX_LIFETIME', 30 * DAY, 300, 365 * DAY);
  const accessTokenTtl = r.duration('JWT_ACCESS_TTL', 15 * 60, 30, DAY);
  const jwtClockTolerance = r.duration('JWT_CLOCK_TOLERANCE', 5, 0, 300);
  // Production needs JWT_SECRET only when it signs (HS256): asymmetric keys replace it.
  const asymmetric = (raw.JWT_ALG?.trim() || 'HS256') !== 'HS256' || (!raw.JWT_ALG?.trim() && hasAsymmetricKeys(raw));
  const defaultsToAsymmetric = production && !raw.JWT_SECRET?.trim() && !raw.JWT_ALG?.trim();
  const secret = readJwtSecret(r, production && !asymmetric && !defaultsToAsymmetric, generateSecret);
  const jwtKeys = readJwtKeys(r, production, accessTokenTtl, jwtClockTolerance, {
    secret: secret.jwtSecret,
    secretGiven: !secret.jwtSecretGenerated,
    previous: jwtPreviousSecret,
    previousValidUntil: jwtPreviousSecretValidUntil,
  });
  const config: IdentityConfig = {
    ...secret,
    jwtKeys,
    jwtClockTolerance,
    jwtIssuer: r.string('JWT_ISSUER') ?? 'bastion',
    jwtAudience: r.string('JWT_AUDIENCE') ?? 'bastion-api',
    accessTokenTtl,
    jwtPreviousSecret,
    jwtPreviousSecretValidUntil,
    refreshReuseGrace: r.duration('REFRESH_REUSE_GRACE_SECONDS', 0, 0, 120),
    sessionIdleTimeout: Math.min(sessionIdleTimeout, sessionMaxLifetime),
    sessionMaxLifetime,
    sessionRetention: r.duration('SESSION_RETENTION', 30 * DAY, 0, 365 * DAY),
    reauthMaxAge: r.duration('REAUTH_MAX_AGE', 10 * 60, 30, DAY),
    sessionCleanupIntervalMs: r.duration('SESSION_CLEANUP_INTERVAL', DEFAULT_CLEANUP_INTERVAL_MS / 1000, 1, DAY) * 1000,
    suspiciousRefreshPolicy: r.enumOf('SUSPICIOUS_REFRESH_POLICY', SUSPICIOUS_REFRESH_POLICIES, 'allow_and_flag'),
    requireEmailVerification: r.bool('REQUIRE_EMAIL_VERIFICATION', production),
    verifyEmailTokenTtl: r.duration('VERIFY_EMAIL_TOKEN_TTL', DAY, 5 * 60, 30 * DAY),
    resetTokenTtl: r.duration('RESET_TOKEN_TTL', 30 * 60, 60, DAY),
    inviteTokenTtl: r.duration('INVITE_TOKEN_TTL', 7 * DAY, HOUR, 30 * DAY),
    accountDeletionGrace: r.duration('ACCOUNT_DELETION_GRACE', 7 * DAY, 0, 365 * DAY),
    accountMail: {
      perAddress: r.rate('ACCOUNT_MAIL_PER_ADDRESS', { limit: 3, windowSeconds: 15 * 60 }),
      perIp: r.rate('ACCOUNT_MAIL_PER_IP', { limit: 20, windowSeconds: HOUR }),
    },
    argon2: {
      memoryKib: r.int('ARGON2_MEMORY_KIB', 19456, 19456, 4 * 1024 * 1024),
      timeCost: r.int('ARGON2_TIME_COST', 2, 2, 20),
      parallelism: r.int('ARGON2_PARALLELISM', 1, 1, 16),
      // Hashing is CPU-bound: at most one per core at a time, a short queue, then fast 503s.
      maxConcurrency: r.int('ARGON2_MAX_CONCURRENCY', availableParallelism(), 1, 256),
      maxQueue: r.int('ARGON2_MAX_QUEUE', 8 * availableParallelism(), 0, 10_000),
    },
    passwordMinScore: r.int('PASSWORD_MIN_SCORE', 3, 0, 4),
    breachedPasswords: readBreachedPasswords(r, production),
    adminEmail: adminEmail ?? (appEnv === 'development' ? 'admin@example.com' : undefined),
    adminPassword,
    login: readLoginDefence(r),
    mfa: readMfa(r, production, generateSecret),
  };
  checkAdminSeed(r, config);
  return { config, problems: r.problems };
}

/** `readIdentityConfig`, throwing `InvalidEnvironmentError` with every problem. */
export function parseIdentityConfig(raw: RawEnv, generateSecret: () => string = processSecret): IdentityConfig {
  const { config, problems } = readIdentityConfig(raw, generateSecret);
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return config;
}

/** The identity context's configuration. Inject with `@Inject(identityConfig.KEY) config: IdentityConfig`. */
export const identityConfig = registerAs('identity', (): IdentityConfig => parseIdentityConfig(process.env));

const hasAsymmetricKeys = (raw: RawEnv): boolean => !!raw.JWT_PRIVATE_KEY?.trim() || !!raw.JWT_KEYS?.trim();

function readJwtSecret(
  r: EnvReader,
  production: boolean,
  generateSecret: () => string,
): Pick<IdentityConfig, 'jwtSecret' | 'jwtSecretGenerated'> {
  const jwtSecret = r.string('JWT_SECRET');
  if (jwtSecret === undefined) {
    if (production) r.problem('JWT_SECRET', `is required in production (at least ${MIN_JWT_SECRET_BYTES} bytes)`);
    return { jwtSecret: generateSecret(), jwtSecretGenerated: true };
  }
  if (production) {
    if (Buffer.byteLength(jwtSecret, 'utf8') < MIN_JWT_SECRET_BYTES) {
      r.problem('JWT_SECRET', `is too short: at least ${MIN_JWT_SECRET_BYTES} bytes are required in production`);
    } else if (isWeakSecret(jwtSecret)) {
      r.problem('JWT_SECRET', 'is a placeholder or low-entropy value; generate one with `openssl rand -base64 64`');
    }
  }
  return { jwtSecret, jwtSecretGenerated: false };
}

/**
 * The seeded admin must have a real email address and a password the policy accepts (every
 * rule it breaks is listed), the offline breach list included; the range API is not asked
 * (configuration is read synchronously, before anything is reachable).
 */
function checkAdminSeed(r: EnvReader, config: IdentityConfig): void {
  const { adminEmail: email, adminPassword: password } = config;
  if (email !== undefined && !isValidEmail(email)) r.problem('ADMIN_EMAIL', `"${email}" is not a valid email address`);
  if (password === undefined) return;
  const failures = checkPassword(password, { email: email ?? '', minScore: config.passwordMinScore }, 'ADMIN_PASSWORD');
  if (isCommonBreachedPassword(password)) failures.push(breachedPasswordFailure('ADMIN_PASSWORD'));
  if (failures.length > 0) {
    r.problem('ADMIN_PASSWORD', `breaks the password policy: ${failures.map((f) => f.message).join(' ')}`);
  }
}

function readBreachedPasswords(r: EnvReader, production: boolean): BreachedPasswordSettings {
  return {
    apiUrl: readRangeApiUrl(r, 'BREACHED_PASSWORD_API_URL', production),
    timeoutMs: r.int('BREACHED_PASSWORD_TIMEOUT_MS', 1500, 100, 30_000),
    policy: r.enumOf('BREACHED_PASSWORD_POLICY', BREACHED_PASSWORD_POLICIES, 'fail_open'),
  };
}

/**
 * An absolute http(s) URL without credentials; plain http only on loopback in production (the
 * request reveals a hash prefix of the password being chosen). Trailing slashes are dropped.
 */
function readRangeApiUrl(r: EnvReader, name: string, production: boolean): string | undefined {
  const value = r.string(name);
  if (value === undefined) return undefined;
  const parsed = r.serviceUrl(name, value, production, 'the request reveals a hash prefix of the password being chosen');
  if (parsed && (parsed.search || parsed.hash)) {
    r.problem(name, 'must not have a query or fragment (the path /range/<prefix> is appended)');
  }
  return value.replace(/\/+$/, '');
}

function readMfa(r: EnvReader, production: boolean, generateSecret: () => string): MfaSettings {
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
      ? [{ id: 'dev', key: createHash('sha256').update(`mfa:${generateSecret()}`).digest() }]
      : encryptionKeys,
    encryptionKeysGenerated: generated,
    requiredForAdmins: r.bool('MFA_REQUIRED_FOR_ADMINS', false),
    issuer: r.string('MFA_ISSUER') ?? 'Bastion',
  };
}

function readLoginDefence(r: EnvReader): LoginDefenceSettings {
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

/** A secret made of a known placeholder, or of very few distinct characters. */
export function isWeakSecret(secret: string): boolean {
  const lower = secret.toLowerCase();
  if (KNOWN_WEAK_SECRETS.some((weak) => lower.replaceAll(weak, '').length < lower.length / 2)) return true;
  return new Set(secret).size < 16;
}
