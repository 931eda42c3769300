import {
  accountLockedNotice,
  confirmEmailChangeNotice,
  emailChangeRequestedNotice,
  mfaChangedNotice,
  passwordChangedNotice,
  refreshReuseNotice,
  registrationAttemptNotice,
  resetPasswordNotice,
  suspiciousLoginNotice,
  tenantInvitationNotice,
  verifyEmailNotice,
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

  describe('account links', () => {
    const link = 'https://bastion.example/console/#/reset?token=abc';
    const expires_at = '2026-11-23T10:30:00.000Z';

    it('verification and reset links go to the account, one message per link', () => {
      const verify = verifyEmailNotice({
        user_id: user,
        email: 'jane@example.com',
        token_link: link,
        expires_at,
        occurred_at: at,
      });
      expect(verify).toEqual({
        userId: user,
        template: 'account.verify_email',
        dedupeKey: `auth.email_verification_requested:${user}:${at}`,
        data: { occurred_at: at, ip: null, link, expires_at },
      });
      const reset = resetPasswordNotice({
        user_id: user,
        email: 'jane@example.com',
        token_link: link,
        expires_at,
        ip: '203.0.113.7',
        occurred_at: at,
      });
      expect(reset).toMatchObject({ template: 'account.reset_password', data: { link, ip: '203.0.113.7' } });
      expect(reset.to).toBeUndefined();
    });

    it('an email change sends the link to the new address only, and the old one a masked heads-up', () => {
      const event = {
        user_id: user,
        email: 'jane@example.com',
        new_email: 'jane.doe@new.example',
        token_link: link,
        expires_at,
        ip: null,
        occurred_at: at,
      };
      expect(confirmEmailChangeNotice(event)).toMatchObject({ to: 'jane.doe@new.example', data: { link } });
      const heads = emailChangeRequestedNotice(event);
      expect(heads.to).toBeUndefined();
      expect(JSON.stringify(heads)).not.toContain(link);
      expect(heads.data.new_email_masked).not.toBe('jane.doe@new.example');
      expect(heads.dedupeKey).not.toBe(confirmEmailChangeNotice(event)!.dedupeKey);
    });

    it('an email change to a taken address sends no link, and the old address the same heads-up', () => {
      const event = {
        user_id: user,
        email: 'jane@example.com',
        new_email: 'taken@new.example',
        token_link: '',
        expires_at,
        ip: null,
        occurred_at: at,
      };
      expect(confirmEmailChangeNotice(event)).toBeNull();
      const heads = emailChangeRequestedNotice(event);
      expect(heads.template).toBe('account.email_change_requested');
      expect(heads.to).toBeUndefined();
    });

    it('a registration attempt on a taken address tells its owner', () => {
      expect(registrationAttemptNotice({ user_id: user, email: 'jane@example.com', ip: null, occurred_at: at })).toEqual({
        userId: user,
        template: 'account.registration_attempt',
        dedupeKey: `auth.registration_attempted:${user}:${at}`,
        data: { occurred_at: at, ip: null },
      });
    });
  });

  describe('tenant invitations', () => {
    const invitation = '1c7d2f3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
    const event = {
      tenant_id: '7a1e0f2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
      tenant_name: 'Acme',
      invitation_id: invitation,
      email: 'grace@example.com',
      role: 'admin' as const,
      by_user_id: user,
      token_link: 'https://bastion.example/console/#/join?token=abc',
      expires_at: '2026-11-30T10:00:00.000Z',
      occurred_at: at,
    };

    it('go to the invited address (no account looked up), one message per invitation', () => {
      expect(tenantInvitationNotice(event, 'Ada')).toEqual({
        to: 'grace@example.com',
        template: 'tenancy.invitation',
        dedupeKey: `tenancy.invitation_sent:${invitation}`,
        data: {
          display_name: null,
          occurred_at: at,
          ip: null,
          link: event.token_link,
          expires_at: event.expires_at,
          tenant_name: 'Acme',
          role: 'admin',
          inviter_name: 'Ada',
        },
      });
      expect(tenantInvitationNotice({ ...event, occurred_at: '2026-11-23T10:00:05.000Z' }, null).dedupeKey).toBe(
        `tenancy.invitation_sent:${invitation}`,
      );
      expect(tenantInvitationNotice(event, null).data.inviter_name).toBeNull();
    });
  });
});
