export type SuspiciousReason = 'new_ip' | 'new_user_agent' | 'after_failures';

/**
 * Why a successful login deserves a second look: an IP or user agent this user has not
 * logged in from before (never on the very first login, which has no history), or a
 * streak of failures just before it.
 */
export function suspiciousReasons(input: {
  firstLogin: boolean;
  newSources: ReadonlySet<'ip' | 'user_agent'>;
  failuresBefore: number;
  repeatedFailuresThreshold: number;
}): SuspiciousReason[] {
  const reasons: SuspiciousReason[] = [];
  if (!input.firstLogin && input.newSources.has('ip')) reasons.push('new_ip');
  if (!input.firstLogin && input.newSources.has('user_agent')) reasons.push('new_user_agent');
  if (input.failuresBefore >= input.repeatedFailuresThreshold) reasons.push('after_failures');
  return reasons;
}
