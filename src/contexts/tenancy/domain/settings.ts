import { type FieldError, ValidationFailedError } from '../../../platform/http/problem';
import { TenancyError } from './tenancy.errors';

/**
 * A tenant's own policies (set by its owners; enforced on the tenant's data routes by `accessRefusal`):
 * - `mfa_required`: members must have MFA enabled to act in the tenant;
 * - `allowed_email_domains`: only addresses in these domains may join (empty: any);
 * - `session_max_age`: seconds a session may act in the tenant (`null`: the platform's limit).
 */
export interface TenantSettings {
  mfa_required: boolean;
  allowed_email_domains: string[];
  session_max_age: number | null;
}

export const SETTINGS_FIELDS = [
  'mfa_required',
  'allowed_email_domains',
  'session_max_age',
] as const satisfies readonly (keyof TenantSettings)[];
export const MAX_ALLOWED_EMAIL_DOMAINS = 50;
export const SESSION_MAX_AGE_MIN = 300;
export const SESSION_MAX_AGE_MAX = 31_536_000;
export const EMAIL_DOMAIN_MAX = 253;

export const DEFAULT_SETTINGS: Readonly<TenantSettings> = Object.freeze({
  mfa_required: false,
  allowed_email_domains: [],
  session_max_age: null,
});

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** A domain name an e-mail address can end in (`example.com`, `mail.example.co.uk`), already lower-cased. */
export function isEmailDomain(domain: string): boolean {
  if (domain.length === 0 || domain.length > EMAIL_DOMAIN_MAX) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((label) => LABEL.test(label)) && TOP_LEVEL.test(labels[labels.length - 1]);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The settings as stored (JSON, possibly partial or empty), with the defaults for what is not set. */
export function settingsOf(stored: unknown): TenantSettings {
  const raw = isPlainObject(stored) ? stored : {};
  return {
    mfa_required: typeof raw.mfa_required === 'boolean' ? raw.mfa_required : DEFAULT_SETTINGS.mfa_required,
    allowed_email_domains: Array.isArray(raw.allowed_email_domains)
      ? raw.allowed_email_domains.filter((d): d is string => typeof d === 'string')
      : [],
    session_max_age: typeof raw.session_max_age === 'number' ? raw.session_max_age : DEFAULT_SETTINGS.session_max_age,
  };
}

/**
 * Checks a settings change sent by a client: an object with any of `SETTINGS_FIELDS`.
 * Domains are trimmed, lower-cased and de-duplicated. Every fault is reported at once, named
 * `<field>.<setting>` (`settings.allowed_email_domains.2`).
 * @throws ValidationFailedError 400 validation_failed
 */
export function parseSettingsPatch(value: unknown, field = 'settings'): Partial<TenantSettings> {
  if (!isPlainObject(value)) {
    throw new ValidationFailedError([{ field, code: 'is_object', message: `${field} must be an object` }]);
  }
  const errors: FieldError[] = [];
  const patch: Partial<TenantSettings> = {};
  for (const key of Object.keys(value)) {
    if (!(SETTINGS_FIELDS as readonly string[]).includes(key)) {
      errors.push({ field: `${field}.${key}`, code: 'unknown_field', message: `property ${key} should not exist` });
    }
  }
  const { mfa_required: mfa, allowed_email_domains: domains, session_max_age: maxAge } = value;
  if (mfa !== undefined) {
    if (typeof mfa === 'boolean') patch.mfa_required = mfa;
    else errors.push({ field: `${field}.mfa_required`, code: 'is_boolean', message: 'mfa_required must be true or false' });
  }
  if (domains !== undefined) {
    const parsed = parseDomains(domains, `${field}.allowed_email_domains`, errors);
    if (parsed) patch.allowed_email_domains = parsed;
  }
  if (maxAge !== undefined) {
    if (
      maxAge === null ||
      (Number.isInteger(maxAge) && (maxAge as number) >= SESSION_MAX_AGE_MIN && (maxAge as number) <= SESSION_MAX_AGE_MAX)
    ) {
      patch.session_max_age = maxAge as number | null;
    } else {
      errors.push({
        field: `${field}.session_max_age`,
        code: 'session_max_age',
        message: `session_max_age must be whole seconds from ${SESSION_MAX_AGE_MIN} to ${SESSION_MAX_AGE_MAX}, or null`,
      });
    }
  }
  if (errors.length > 0) throw new ValidationFailedError(errors);
  return patch;
}

function parseDomains(value: unknown, field: string, errors: FieldError[]): string[] | undefined {
  if (!Array.isArray(value)) {
    errors.push({ field, code: 'is_array', message: 'allowed_email_domains must be an array of domain names' });
    return undefined;
  }
  if (value.length > MAX_ALLOWED_EMAIL_DOMAINS) {
    errors.push({
      field,
      code: 'array_max_size',
      message: `allowed_email_domains may hold at most ${MAX_ALLOWED_EMAIL_DOMAINS} domains`,
    });
    return undefined;
  }
  const domains: string[] = [];
  value.forEach((item: unknown, index) => {
    const domain = typeof item === 'string' ? item.trim().toLowerCase() : undefined;
    if (domain === undefined || !isEmailDomain(domain)) {
      errors.push({
        field: `${field}.${index}`,
        code: 'is_domain',
        message: 'each entry must be a domain name like example.com',
      });
    } else if (!domains.includes(domain)) {
      domains.push(domain);
    }
  });
  return domains;
}

/** The settings after a (parsed) change: the fields sent replace, the others stay. */
export function mergeSettings(current: TenantSettings, patch: Partial<TenantSettings>): TenantSettings {
  return { ...current, ...patch };
}

/** The names of the settings whose values differ. */
export function changedSettings(before: TenantSettings, after: TenantSettings): string[] {
  return SETTINGS_FIELDS.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

/** What the tenant's settings look at about a caller acting in it. */
export interface AccessFacts {
  /** Whether the caller's account has MFA turned on. */
  hasMfa: boolean;
  /** When the caller's session began (signing in); null for an API key, which is not a session. */
  sessionStartedAt: Date | null;
}

/**
 * The tenant's settings applied to a caller: null when they may act in the tenant, else the
 * problem to answer. `mfa_required` before `session_max_age` (signing in again would not help
 * an account without MFA).
 */
export function accessRefusal(settings: TenantSettings, facts: AccessFacts, now: Date): TenancyError | null {
  if (settings.mfa_required && !facts.hasMfa) return TenancyError.mfaRequired();
  const maxAge = settings.session_max_age;
  if (maxAge !== null && facts.sessionStartedAt !== null && now.getTime() - facts.sessionStartedAt.getTime() > maxAge * 1000) {
    return TenancyError.sessionTooOld(maxAge);
  }
  return null;
}
