import { registerAs } from '@nestjs/config';
import { type EnvProblem, InvalidEnvironmentError } from '../../platform/config';

export interface SessionsConfig {
  /**
   * How often the cleanup job runs (SESSION_CLEANUP_INTERVAL, default 1 h). It is both the
   * schedule (every instance fires at each multiple of it, UTC-aligned) and the job's slot,
   * so the job runs once per interval across all instances.
   */
  cleanupIntervalMs: number;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
export const DEFAULT_CLEANUP_INTERVAL_MS = 3_600_000;
const MIN_SECONDS = 1;
const MAX_SECONDS = 86_400;

/** Reads and validates the sessions variables; every problem is reported, by variable name. */
export function parseSessionsConfig(raw: Record<string, string | undefined>): SessionsConfig {
  const problems: EnvProblem[] = [];
  let cleanupIntervalMs = DEFAULT_CLEANUP_INTERVAL_MS;
  const value = raw.SESSION_CLEANUP_INTERVAL?.trim();
  if (value) {
    const match = /^(\d{1,9})\s*(s|m|h|d)?$/.exec(value);
    const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] ?? 's'] : NaN;
    if (!match) {
      problems.push({
        variable: 'SESSION_CLEANUP_INTERVAL',
        message: `must be a duration like 3600, 30m or 1h, got "${value}"`,
      });
    } else if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
      problems.push({
        variable: 'SESSION_CLEANUP_INTERVAL',
        message: `must be between ${MIN_SECONDS}s and ${MAX_SECONDS}s, got ${seconds}s`,
      });
    } else {
      cleanupIntervalMs = seconds * 1000;
    }
  }
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return { cleanupIntervalMs };
}

/**
 * The sessions context's own configuration (the session policy itself lives in the platform
 * config with the rest of identity). Inject with `@Inject(sessionsConfig.KEY)`.
 */
export const sessionsConfig = registerAs('sessions', (): SessionsConfig => parseSessionsConfig(process.env));
