import { parseAuditConfig } from './contexts/audit';
import { checkIdentitySettings } from './contexts/auth';
import { parseFilesConfig } from './contexts/files';
import { parseIdempotencyConfig } from './contexts/idempotency';
import { parseNotificationsConfig } from './contexts/notifications';
import { parseSessionsConfig } from './contexts/sessions';
import { type Environment, type EnvProblem, InvalidEnvironmentError, inspectEnvironment } from './platform/config';

type RawEnv = Record<string, string | undefined>;

/** Each context's own reader of the environment; each throws `InvalidEnvironmentError` with its problems. */
const CONTEXT_CONFIGS: ReadonlyArray<(raw: RawEnv) => unknown> = [
  parseAuditConfig,
  parseFilesConfig,
  parseIdempotencyConfig,
  parseNotificationsConfig,
  parseSessionsConfig,
];

function problemsOf(read: () => unknown): EnvProblem[] {
  try {
    read();
    return [];
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
}

/**
 * The whole configuration checked before anything boots: the platform's settings, every
 * context's own, and the rules only a context can judge (an `ADMIN_PASSWORD` against the
 * password policy). Every problem of every context is reported at once, in one
 * `InvalidEnvironmentError`, so an operator fixes them in one go.
 */
export function checkConfiguration(raw: RawEnv = process.env): Environment {
  const { env, problems } = inspectEnvironment(raw);
  for (const read of CONTEXT_CONFIGS) problems.push(...problemsOf(() => read(raw)));
  problems.push(...checkIdentitySettings(env));
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return env;
}
