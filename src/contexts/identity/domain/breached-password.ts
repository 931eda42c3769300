import { DomainError, type FieldError } from '../../../platform/http/problem';

/**
 * Breached-password screening: is a password known from a breach corpus? Two sources: an
 * offline list shipped with the app (always applied) and, when configured, a k-anonymity
 * range API (the Have I Been Pwned shape). Pure rules here; loading and HTTP live in infra.
 */

/** What happens when the range provider cannot answer (timeout, network error, bad answer). */
export const BREACHED_PASSWORD_POLICIES = ['fail_open', 'fail_closed'] as const;
export type BreachedPasswordPolicy = (typeof BREACHED_PASSWORD_POLICIES)[number];

/** The range provider's answer about one password. */
export type ProviderAnswer = 'found' | 'not_found' | 'failed' | 'not_configured';

/** `unverified`: the provider could not answer and the policy is fail_closed. */
export type BreachVerdict = 'breached' | 'not_breached' | 'unverified';

export const BREACHED_PASSWORD_CODE = 'breached_password';

/** Seconds a client is asked to wait when fail_closed refuses to decide (matches the platform's dependency 503). */
export const SCREENING_RETRY_AFTER_SECONDS = 5;

/** The verdict from the offline list, the provider's answer and the failure policy. */
export function breachVerdict(listed: boolean, provider: ProviderAnswer, policy: BreachedPasswordPolicy): BreachVerdict {
  if (listed || provider === 'found') return 'breached';
  if (provider === 'failed' && policy === 'fail_closed') return 'unverified';
  return 'not_breached';
}

/**
 * The forms of a password compared with the offline list: the password as typed, its NFKC
 * form (full-width and other compatibility characters are the same password to a person, and
 * NIST SP 800-63B asks for NFKC/NFKD before comparing Unicode passwords), and each of those
 * with its first letter lower-cased (capitalising the first letter is the most common change
 * people make to meet composition rules, and the first rule crackers try). Every other
 * character stays case-sensitive.
 */
export function listCandidates(password: string): string[] {
  const forms = new Set([password, password.normalize('NFKC')]);
  for (const form of [...forms]) {
    const [first = '', ...rest] = form;
    const lowered = first.toLowerCase();
    if (lowered !== first) forms.add(lowered + rest.join(''));
  }
  return [...forms];
}

/** Is the password (in any of its `listCandidates` forms) on the offline list? */
export function isListed(password: string, list: ReadonlySet<string>): boolean {
  return listCandidates(password).some((candidate) => list.has(candidate));
}

const RANGE_LINE = /^([0-9A-Fa-f]{35}):(\d+)$/;

/**
 * The suffixes (upper-case hex) a range response lists with a count above zero. Padding
 * lines (`Add-Padding: true`) carry a count of 0 and are misses. `undefined` when the body
 * has no valid `SUFFIX:COUNT` line at all (an error page, a truncated answer): a padded
 * range always has hundreds.
 */
export function parseRangeResponse(body: string): Set<string> | undefined {
  const hits = new Set<string>();
  let valid = 0;
  for (const line of body.split(/\r?\n/)) {
    const match = RANGE_LINE.exec(line.trim());
    if (!match) continue;
    valid += 1;
    if (Number(match[2]) > 0) hits.add(match[1].toUpperCase());
  }
  return valid > 0 ? hits : undefined;
}

/** The `errors[]` entry a breached password gets in the `weak_password` problem. */
export function breachedPasswordFailure(field: string): FieldError {
  return {
    field,
    code: BREACHED_PASSWORD_CODE,
    message: 'This password has appeared in a data breach. Choose a different one.',
  };
}

export type PasswordDecision = { kind: 'accept' } | { kind: 'reject'; failures: FieldError[] } | { kind: 'unverified' };

/**
 * What to answer given the synchronous policy's failures and the breach verdict: every broken
 * rule at once (the breach among them) in one 400; when nothing else is wrong but fail_closed
 * could not screen, `unverified` (a 503: the client retries, the password itself is not
 * blamed); else accept.
 */
export function decidePassword(policyFailures: FieldError[], verdict: BreachVerdict, field: string): PasswordDecision {
  const failures = verdict === 'breached' ? [...policyFailures, breachedPasswordFailure(field)] : policyFailures;
  if (failures.length > 0) return { kind: 'reject', failures };
  return verdict === 'unverified' ? { kind: 'unverified' } : { kind: 'accept' };
}

/** 503 `dependency_unavailable`: fail_closed and the breached-password provider did not answer. */
export function screeningUnavailable(): DomainError {
  return new DomainError(
    'dependency_unavailable',
    503,
    'The breached-password check is unavailable right now, so the password cannot be accepted yet; retry later.',
    {
      headers: { 'retry-after': String(SCREENING_RETRY_AFTER_SECONDS) },
      extensions: { dependency: 'breached_password_provider', retry_after: SCREENING_RETRY_AFTER_SECONDS },
    },
  );
}
