import {
  accountLockedNotice,
  mfaChangedNotice,
  passwordChangedNotice,
  refreshReuseNotice,
  suspiciousLoginNotice,
} from './security-notices';

const at = '2026-11-23T10:00:00.000Z';
const user = '5b0f4c1e-8f7e-4c51-9a2b-0c6f3f1f2a11';
const session = '9e3c9d1a-2f57-4d4c-8b5f-5f5d0a7b9c22';

describe('security notices', () => {
  it('a lockout of a known account notifies it, keyed by the lockout (not by delivery time)', () => {
    const event = {
      email: 'jane@example.com',
      user_id: user,
      ip: '203.0.113.7',
      user_agent: 'ua',
      locked_until: '2026-11-23T10:15:00.000Z',
      lockout_level: 1,
      cooldown_seconds: 900,
      occurred_at: at,
    };
    const notice = accountLockedNotice(event);
    expect(notice).toEqual({
      userId: user,
      template: 'security.account_locked',
      dedupeKey: `auth.account_locked:${user}:2026-11-23T10:15:00.000Z`,
      data: { occurred_at: at, ip: '203.0.113.7', locked_until: '2026-11-23T10:15:00.000Z', cooldown_seconds: 900 },
    });
    expect(accountLockedNotice({ ...event, occurred_at: '2026-11-23T10:00:01.000Z' })?.dedupeKey).toBe(notice?.dedupeKey);
    expect(accountLockedNotice({ ...event, locked_until: '2026-11-23T10:45:00.000Z' })?.dedupeKey).not.toBe(notice?.dedupeKey);
  });

  it('a lockout of an unknown email notifies nobody', () => {
    expect(
      accountLockedNotice({
        email: 'nobody@example.com',
        user_id: null,
        ip: null,
        user_agent: null,
        locked_until: at,
        lockout_level: 1,
        cooldown_seconds: 900,
        occurred_at: at,
      }),
    ).toBeNull();
  });

  it('a suspicious login is keyed by its session, and carries the reasons', () => {
    const notice = suspiciousLoginNotice({
      user_id: user,
      session_id: session,
      ip: '198.51.100.1',
      user_agent: 'curl',
      reasons: ['new_ip'],
      failures_before: 0,
      occurred_at: at,
    });
    expect(notice).toMatchObject({ template: 'security.suspicious_login', dedupeKey: `auth.suspicious_login:${session}` });
    expect(notice.data).toEqual({ occurred_at: at, ip: '198.51.100.1', user_agent: 'curl', reasons: ['new_ip'] });
  });

  it('a password change is keyed by user and time; a refresh reuse by session', () => {
    expect(passwordChangedNotice({ user_id: user, sessions_revoked: 1, ip: null, occurred_at: at }).dedupeKey).toBe(
      `auth.password_changed:${user}:${at}`,
    );
    expect(
      refreshReuseNotice({ session_id: session, user_id: user, ip: null, user_agent: null, occurred_at: at }).dedupeKey,
    ).toBe(`sessions.refresh_reuse_detected:${session}`);
  });

  it('MFA changes pick their template', () => {
    expect(mfaChangedNotice('auth.mfa_enabled', { user_id: user, ip: '::1', occurred_at: at })).toEqual({
      userId: user,
      template: 'security.mfa_enabled',
      dedupeKey: `auth.mfa_enabled:${user}:${at}`,
      data: { occurred_at: at, ip: '::1' },
    });
    expect(mfaChangedNotice('auth.mfa_disabled', { user_id: user, occurred_at: at }).template).toBe('security.mfa_disabled');
  });

  it('every dedupe key fits the column (200 characters)', () => {
    const long = 'x'.repeat(36);
    expect(
      refreshReuseNotice({ session_id: long, user_id: long, ip: null, user_agent: null, occurred_at: at }).dedupeKey.length,
    ).toBeLessThan(200);
    expect(mfaChangedNotice('auth.mfa_disabled', { user_id: long, occurred_at: at }).dedupeKey.length).toBeLessThan(200);
  });
});
