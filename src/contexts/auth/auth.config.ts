import type { Environment, EnvProblem } from '../../platform/config';
import { isValidEmail } from './domain/email';
import { checkPassword } from './domain/password-policy';

/** The admin account seeded at start: `ADMIN_EMAIL`, or `admin@example.com` in development. */
export function adminSeedEmail(env: Pick<Environment, 'appEnv' | 'auth'>): string | undefined {
  return env.auth.adminEmail ?? (env.appEnv === 'development' ? 'admin@example.com' : undefined);
}

/**
 * The identity settings that can only be judged with the context's own rules, checked with
 * the rest of the configuration before the app boots: an `ADMIN_EMAIL` that is no email
 * address, and an `ADMIN_PASSWORD` that breaks the password policy (every rule it breaks).
 */
export function checkIdentitySettings(env: Pick<Environment, 'appEnv' | 'auth'>): EnvProblem[] {
  const problems: EnvProblem[] = [];
  const email = adminSeedEmail(env);
  if (email !== undefined && !isValidEmail(email)) {
    problems.push({ variable: 'ADMIN_EMAIL', message: `"${email}" is not a valid email address` });
  }
  const password = env.auth.adminPassword;
  if (password !== undefined) {
    const failures = checkPassword(password, { email: email ?? '', minScore: env.auth.passwordMinScore }, 'ADMIN_PASSWORD');
    if (failures.length > 0) {
      problems.push({
        variable: 'ADMIN_PASSWORD',
        message: `breaks the password policy: ${failures.map((f) => f.message).join(' ')}`,
      });
    }
  }
  return problems;
}
