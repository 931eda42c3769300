import { formatDuration, formatTime, renderTemplate, TEMPLATE_NAMES, type TemplateDataMap, type TemplateName } from './templates';

const XSS = '<script>alert(document.cookie)</script>';
const base = { display_name: XSS, occurred_at: '2026-11-23T08:30:12.345Z', ip: '203.0.113.7' };

/** One data sample per template, every string field carrying a script tag. */
const SAMPLES: { [K in TemplateName]: TemplateDataMap[K] } = {
  'security.account_locked': { ...base, locked_until: '2026-11-23T08:45:12.345Z', cooldown_seconds: 900 },
  'security.suspicious_login': { ...base, user_agent: `Mozilla ${XSS}`, reasons: ['new_ip', 'after_failures'] },
  'security.password_changed': { ...base, sessions_revoked: 2 },
  'security.mfa_enabled': { ...base },
  'security.mfa_disabled': { ...base },
  'security.passkey_added': { ...base, passkey_name: XSS },
  'security.passkey_removed': { ...base, passkey_name: 'Laptop' },
  'security.refresh_token_reuse': { ...base, ip: `"><img src=x onerror=alert(1)>`, user_agent: XSS },
  'account.verify_email': {
    ...base,
    link: `https://bastion.example/console/#/verify?token=a"><script>x</script>`,
    expires_at: XSS,
  },
  'account.registration_attempt': { ...base },
  'account.confirm_email_change': {
    ...base,
    link: `https://bastion.example/console/#/confirm-email?token=a"><b>`,
    expires_at: XSS,
    new_email: `new${XSS}@example.com`,
  },
  'account.email_change_requested': { ...base, new_email_masked: XSS },
  'account.reset_password': { ...base, link: `https://bastion.example/console/#/reset?token=a"><img src=x>`, expires_at: XSS },
  'account.deletion_scheduled': { ...base, due_at: XSS, by_admin: false },
  'account.invitation': { ...base, link: `https://bastion.example/console/#/invite?token=a"><i>`, expires_at: XSS, role: XSS },
  'tenancy.invitation': {
    ...base,
    link: `https://bastion.example/console/#/join?token=a"><img src=x>`,
    expires_at: XSS,
    tenant_name: `Acme ${XSS}`,
    role: XSS,
    inviter_name: `Ada ${XSS}`,
  },
};

describe('templates', () => {
  it.each(TEMPLATE_NAMES)('%s renders a subject, a text and an HTML part', (name) => {
    const message = renderTemplate(name, SAMPLES[name]);
    expect(message.subject).toMatch(/^Bastion: .+/);
    expect(message.subject).not.toMatch(/[\r\n]/);
    expect(message.text.length).toBeGreaterThan(50);
    expect(message.html).toMatch(/^<!doctype html>/);
    expect(message.html).toContain('</html>');
  });

  it.each(TEMPLATE_NAMES)('%s escapes every interpolated value in the HTML part', (name) => {
    const message = renderTemplate(name, SAMPLES[name]);
    expect(message.html).not.toContain('<script>');
    expect(message.html).not.toContain('<img');
    expect(message.html).toContain('Hi &lt;script&gt;alert(document.cookie)&lt;/script&gt;,');
    // The only tags are the template's own.
    const tags = new Set([...message.html.matchAll(/<\/?([a-z]+)/g)].map((m) => m[1]));
    const own = ['a', 'body', 'div', 'head', 'html', 'meta', 'p', 'strong', 'table', 'td', 'th', 'title', 'tr'];
    expect([...tags].filter((tag) => !own.includes(tag))).toEqual([]);
  });

  it.each(['account.verify_email', 'account.reset_password'] as const)('%s carries its link in both parts', (name) => {
    const link = 'https://bastion.example/console/#/reset?token=AbC_123-xyz';
    const message = renderTemplate(name, { ...base, link, expires_at: '2026-11-23T09:00:00.000Z' });
    expect(message.text).toContain(link);
    expect(message.text).toContain('2026-11-23 09:00 UTC');
    expect(message.html).toContain(`href="${link}"`);
  });

  it('tenancy.invitation names the inviter, the tenant, the role and the deadline, and says to register first', () => {
    const link = 'https://bastion.example/console/#/join?token=AbC_123-xyz';
    const data = {
      display_name: null,
      occurred_at: '2026-11-23T08:30:00.000Z',
      ip: null,
      link,
      expires_at: '2026-11-30T08:30:00.000Z',
      tenant_name: 'Acme & Co',
      role: 'admin',
      inviter_name: 'Ada Lovelace',
    };
    const message = renderTemplate('tenancy.invitation', data);
    expect(message.subject).toBe('Bastion: you are invited to join Acme & Co');
    expect(message.text).toContain('Ada Lovelace invited you to join Acme & Co on Bastion as admin.');
    expect(message.text).toContain('until 2026-11-30 08:30 UTC');
    expect(message.text).toContain('register with this address first');
    expect(message.text).toContain(link);
    expect(message.html).toContain('Acme &amp; Co');
    expect(message.html).toContain(`href="${link}"`);
    const anonymous = renderTemplate('tenancy.invitation', { ...data, inviter_name: null });
    expect(anonymous.text).toContain('Someone invited you to join Acme & Co');
    expect(anonymous.text.startsWith('Hi,\n')).toBe(true);
  });

  it('keeps the text part as written (plain text needs no escaping)', () => {
    const message = renderTemplate('security.account_locked', SAMPLES['security.account_locked']);
    expect(message.text).toContain(`Hi ${XSS},`);
    expect(message.text).not.toContain('&lt;');
  });

  it('puts the facts of the event in both parts', () => {
    const locked = renderTemplate('security.account_locked', SAMPLES['security.account_locked']);
    for (const part of [locked.text, locked.html]) {
      expect(part).toContain('2026-11-23 08:45 UTC');
      expect(part).toContain('15 minutes');
      expect(part).toContain('203.0.113.7');
    }
    const login = renderTemplate('security.suspicious_login', SAMPLES['security.suspicious_login']);
    expect(login.text).toContain('an IP address this account has not signed in from before');
    expect(login.text).toContain('several failed sign-in attempts');
    const changed = renderTemplate('security.password_changed', SAMPLES['security.password_changed']);
    expect(changed.text).toContain('signed out your other 2 sessions');
  });

  it('greets without a name when there is none, and shows unknown values as such', () => {
    const message = renderTemplate('security.mfa_enabled', { display_name: null, occurred_at: '2026-11-23T08:30:00Z', ip: null });
    expect(message.text.startsWith('Hi,\n')).toBe(true);
    expect(message.text).toContain('IP address: unknown');
  });

  it('cuts very long user agents', () => {
    const message = renderTemplate('security.suspicious_login', {
      ...SAMPLES['security.suspicious_login'],
      user_agent: 'x'.repeat(5000),
    });
    expect(message.text).toContain(`${'x'.repeat(200)}…`);
    expect(message.text).not.toContain('x'.repeat(201));
  });

  it('formats times and durations for people', () => {
    expect(formatTime('2026-11-23T08:30:12.345Z')).toBe('2026-11-23 08:30 UTC');
    expect(formatTime('not a date')).toBe('not a date');
    expect(formatDuration(900)).toBe('15 minutes');
    expect(formatDuration(3600)).toBe('1 hour');
    expect(formatDuration(172_800)).toBe('2 days');
    expect(formatDuration(61)).toBe('61 seconds');
    expect(formatDuration(1)).toBe('1 second');
  });
});
