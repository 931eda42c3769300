import { registerAs } from '@nestjs/config';
import { EnvReader, type RawEnv } from '../../platform/config';

export interface SessionsConfig {
  /**
   * How often the cleanup job runs (SESSION_CLEANUP_INTERVAL, default 1 h). It is both the
   * schedule (every instance fires at each multiple of it, UTC-aligned) and the job's slot,
   * so the job runs once per interval across all instances.
   */
  cleanupIntervalMs: number;
}

export const DEFAULT_CLEANUP_INTERVAL_MS = 3_600_000;

/** Reads and validates the sessions variables; every problem is reported, by variable name. */
export function parseSessionsConfig(raw: RawEnv): SessionsConfig {
  const r = new EnvReader(raw);
  const seconds = r.duration('SESSION_CLEANUP_INTERVAL', DEFAULT_CLEANUP_INTERVAL_MS / 1000, 1, 86_400);
  r.throwIfInvalid();
  return { cleanupIntervalMs: seconds * 1000 };
}

/**
 * The sessions context's own configuration (the session policy itself lives in the platform
 * config with the rest of identity). Inject with `@Inject(sessionsConfig.KEY)`.
 */
export const sessionsConfig = registerAs('sessions', (): SessionsConfig => parseSessionsConfig(process.env));
