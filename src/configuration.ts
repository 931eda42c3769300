import { parseAuditConfig } from './contexts/audit';
import { parseFilesConfig } from './contexts/files';
import { parseIdempotencyConfig } from './contexts/idempotency';
import { parseIdentityConfig, parseWebAuthnConfig } from './contexts/identity';
import { parseNotificationsConfig } from './contexts/notifications';
import { parseTenancyConfig } from './contexts/tenancy';
import { parseLiveConfig } from './platform/live/live.config';
import {
  collectProblems,
  type EnvProblem,
  type Environment,
  InvalidEnvironmentError,
  inspectEnvironment,
} from './platform/config';

type RawEnv = Record<string, string | undefined>;

/** Each context's own reader of the environment; each throws `InvalidEnvironmentError` with its problems. */
const CONTEXT_CONFIGS: ReadonlyArray<(raw: RawEnv) => unknown> = [
  parseAuditConfig,
  parseFilesConfig,
  parseIdempotencyConfig,
  parseIdentityConfig,
  parseWebAuthnConfig,
  parseNotificationsConfig,
  parseTenancyConfig,
  parseLiveConfig,
];

/**
 * The whole configuration checked before anything boots: the platform's settings and every
 * context's own, with the rules only a context can judge (identity checks an `ADMIN_PASSWORD`
 * against its password policy). Every problem of every context is reported at once, in one
 * `InvalidEnvironmentError`, so an operator fixes them in one go. `earlier` are problems found
 * before (the secrets' files and provider, `resolveSecrets`): listed first, in the same report.
 */
export function checkConfiguration(raw: RawEnv = process.env, earlier: readonly EnvProblem[] = []): Environment {
  const { env, problems: own } = inspectEnvironment(raw);
  const problems = [...earlier, ...own];
  for (const read of CONTEXT_CONFIGS) problems.push(...collectProblems(() => read(raw)));
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return env;
}
