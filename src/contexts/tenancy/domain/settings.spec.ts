import { DomainError } from '../../../platform/http/problem';
import {
  accessRefusal,
  changedSettings,
  DEFAULT_SETTINGS,
  isEmailDomain,
  MAX_ALLOWED_EMAIL_DOMAINS,
  mergeSettings,
  parseSettingsPatch,
  settingsOf,
  type TenantSettings,
} from './settings';

function fieldErrors(fn: () => unknown): { field: string; code: string }[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError && e.code === 'validation_failed') return e.options.errors ?? [];
    throw e;
  }
  throw new Error('expected a validation error');
}

describe('tenant settings', () => {
  it('reads stored JSON with the defaults for what is missing or malformed', () => {
    expect(settingsOf({})).toEqual(DEFAULT_SETTINGS);
    expect(settingsOf(null)).toEqual(DEFAULT_SETTINGS);
    expect(settingsOf({ mfa_required: true, session_max_age: 3600, allowed_email_domains: ['a.io', 7] })).toEqual({
      mfa_required: true,
      allowed_email_domains: ['a.io'],
      session_max_age: 3600,
    });
    expect(settingsOf({ mfa_required: 'yes', allowed_email_domains: 'a.io' })).toEqual(DEFAULT_SETTINGS);
  });

  it('parses a valid change, normalising domains', () => {
    expect(
      parseSettingsPatch({
        mfa_required: true,
        allowed_email_domains: [' Example.COM ', 'example.com', 'mail.example.co.uk'],
        session_max_age: 300,
      }),
    ).toEqual({ mfa_required: true, allowed_email_domains: ['example.com', 'mail.example.co.uk'], session_max_age: 300 });
  });

  it('accepts an empty change, null for the session age, and the bounds', () => {
    expect(parseSettingsPatch({})).toEqual({});
    expect(parseSettingsPatch({ session_max_age: null })).toEqual({ session_max_age: null });
    expect(parseSettingsPatch({ session_max_age: 31_536_000 })).toEqual({ session_max_age: 31_536_000 });
    expect(parseSettingsPatch({ allowed_email_domains: [] })).toEqual({ allowed_email_domains: [] });
  });

  it.each([
    ['not an object', [], 'settings', 'is_object'],
    ['null', null, 'settings', 'is_object'],
    ['an unknown setting', { colour: 'red' }, 'settings.colour', 'unknown_field'],
    ['a non-boolean mfa_required', { mfa_required: 'true' }, 'settings.mfa_required', 'is_boolean'],
    ['domains not in an array', { allowed_email_domains: 'example.com' }, 'settings.allowed_email_domains', 'is_array'],
    ['a bad domain', { allowed_email_domains: ['ok.com', 'not a domain'] }, 'settings.allowed_email_domains.1', 'is_domain'],
    ['a non-string domain', { allowed_email_domains: [42] }, 'settings.allowed_email_domains.0', 'is_domain'],
    [
      'too many domains',
      { allowed_email_domains: Array.from({ length: MAX_ALLOWED_EMAIL_DOMAINS + 1 }, (_, i) => `d${i}.com`) },
      'settings.allowed_email_domains',
      'array_max_size',
    ],
    ['a session age below 300', { session_max_age: 299 }, 'settings.session_max_age', 'session_max_age'],
    ['a session age above a year', { session_max_age: 31_536_001 }, 'settings.session_max_age', 'session_max_age'],
    ['a fractional session age', { session_max_age: 300.5 }, 'settings.session_max_age', 'session_max_age'],
    ['a string session age', { session_max_age: '3600' }, 'settings.session_max_age', 'session_max_age'],
  ])('refuses %s', (_label, value, field, code) => {
    expect(fieldErrors(() => parseSettingsPatch(value))).toEqual([expect.objectContaining({ field, code })]);
  });

  it('reports every fault at once', () => {
    const errors = fieldErrors(() => parseSettingsPatch({ mfa_required: 1, session_max_age: 1, extra: true }));
    expect(errors.map((e) => e.field).sort()).toEqual(['settings.extra', 'settings.mfa_required', 'settings.session_max_age']);
  });

  it.each(['example.com', 'a.io', 'mail.example.co.uk', 'xn--bcher-kva.example', 'example.xn--p1ai', 'a-b.example.org'])(
    'knows %p is a domain',
    (domain) => {
      expect(isEmailDomain(domain)).toBe(true);
    },
  );

  it.each([
    '',
    'localhost',
    'example',
    '-bad.com',
    'bad-.com',
    'a..com',
    'example.c',
    'example.123',
    'ex ample.com',
    `${'a'.repeat(64)}.com`,
    `${'a.'.repeat(127)}com`,
  ])('knows %p is not a domain', (domain) => {
    expect(isEmailDomain(domain)).toBe(false);
  });

  it('merges a change and names the settings that changed', () => {
    const next = mergeSettings(DEFAULT_SETTINGS, { mfa_required: true, session_max_age: null });
    expect(next).toEqual({ ...DEFAULT_SETTINGS, mfa_required: true });
    expect(changedSettings(DEFAULT_SETTINGS, next)).toEqual(['mfa_required']);
    expect(changedSettings(next, mergeSettings(next, { allowed_email_domains: ['a.io'] }))).toEqual(['allowed_email_domains']);
  });
});

describe('accessRefusal', () => {
  const now = new Date('2026-12-04T12:00:00Z');
  const signedIn = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000);
  const settings = (patch: Partial<TenantSettings>): TenantSettings => ({ ...DEFAULT_SETTINGS, ...patch });

  it('admits anyone under the default settings', () => {
    expect(accessRefusal(settings({}), { hasMfa: false, sessionStartedAt: signedIn(10 ** 7) }, now)).toBeNull();
  });

  it('refuses an account without MFA when the tenant requires it (403 tenant_mfa_required)', () => {
    expect(accessRefusal(settings({ mfa_required: true }), { hasMfa: false, sessionStartedAt: null }, now)).toMatchObject({
      code: 'tenant_mfa_required',
      status: 403,
    });
    expect(accessRefusal(settings({ mfa_required: true }), { hasMfa: true, sessionStartedAt: null }, now)).toBeNull();
  });

  it('refuses a session older than session_max_age (401 tenant_session_too_old), to the second', () => {
    const policy = settings({ session_max_age: 3600 });
    expect(accessRefusal(policy, { hasMfa: false, sessionStartedAt: signedIn(3600) }, now)).toBeNull();
    expect(accessRefusal(policy, { hasMfa: false, sessionStartedAt: signedIn(3601) }, now)).toMatchObject({
      code: 'tenant_session_too_old',
      status: 401,
    });
    // An API key is not a session.
    expect(accessRefusal(policy, { hasMfa: false, sessionStartedAt: null }, now)).toBeNull();
  });

  it('names MFA first when both apply', () => {
    const both = settings({ mfa_required: true, session_max_age: 300 });
    expect(accessRefusal(both, { hasMfa: false, sessionStartedAt: signedIn(301) }, now)?.code).toBe('tenant_mfa_required');
  });
});
