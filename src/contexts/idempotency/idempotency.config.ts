import { registerAs } from '@nestjs/config';
import { EnvReader, type RawEnv } from '../../platform/config';

export interface IdempotencyConfig {
  /** How long a key is remembered (IDEMPOTENCY_TTL_HOURS, default 24). */
  ttlMs: number;
  /**
   * How long an attempt may hold its key before another request may take it over
   * (IDEMPOTENCY_LOCK_TIMEOUT_SECONDS, default 60). Keep it above the slowest idempotent
   * handler: an attempt still running after it can be run a second time.
   */
  lockTimeoutMs: number;
}

const HOUR_MS = 3_600_000;

/** Reads and validates the idempotency variables; every problem is reported, by variable name. */
export function parseIdempotencyConfig(raw: RawEnv): IdempotencyConfig {
  const r = new EnvReader(raw);
  const ttlHours = r.wholeNumber('IDEMPOTENCY_TTL_HOURS', 24, 1, 720);
  const lockTimeoutSeconds = r.wholeNumber('IDEMPOTENCY_LOCK_TIMEOUT_SECONDS', 60, 1, 3600);
  if (r.problems.length === 0 && lockTimeoutSeconds * 1000 >= ttlHours * HOUR_MS) {
    r.problem(
      'IDEMPOTENCY_LOCK_TIMEOUT_SECONDS',
      `must be shorter than IDEMPOTENCY_TTL_HOURS (${ttlHours} h), got ${lockTimeoutSeconds} s`,
    );
  }
  r.throwIfInvalid();
  return { ttlMs: ttlHours * HOUR_MS, lockTimeoutMs: lockTimeoutSeconds * 1000 };
}

/**
 * The idempotency context's configuration, validated when the module boots.
 * Inject with `@Inject(idempotencyConfig.KEY) config: IdempotencyConfig`.
 */
export const idempotencyConfig = registerAs('idempotency', (): IdempotencyConfig => parseIdempotencyConfig(process.env));
