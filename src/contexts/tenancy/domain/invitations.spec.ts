import { createHash } from 'node:crypto';
import { thrown } from '../../../../test/support/problem';
import {
  assertEmailDomainAllowed,
  assertMayInvite,
  emailDomainOf,
  invitationLink,
  invitationStatus,
  invitationTokenHash,
  isInvitationTokenShaped,
  memberQuotaBreachToInvite,
  memberQuotaBreachToJoin,
  newInvitationToken,
  normaliseInvitationEmail,
  sameEmail,
} from './invitations';
import { TENANT_ROLES } from './roles';
import { TenancyError } from './tenancy.errors';

describe('invitation tokens', () => {
  it('are 256 random bits in base64url, never the same twice', () => {
    const tokens = new Set(Array.from({ length: 100 }, newInvitationToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) {
      expect(isInvitationTokenShaped(token)).toBe(true);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
  });

  it.each([undefined, null, 42, '', 'short', 'x'.repeat(44), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}/`, `${'a'.repeat(42)} `])(
    'refuse %p as a token',
    (value) => {
      expect(isInvitationTokenShaped(value)).toBe(false);
    },
  );

  it('are stored as their SHA-256, hex: 64 characters, the width of token_hash', () => {
    const token = newInvitationToken();
    const hash = invitationTokenHash(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(invitationTokenHash(newInvitationToken())).not.toBe(hash);
    expect(hash).not.toContain(token);
  });

  it('travel in the URL fragment of the console’s join page', () => {
    const token = newInvitationToken();
    expect(invitationLink('https://bastion.example/', token)).toBe(`https://bastion.example/console/#/join?token=${token}`);
    expect(invitationLink('https://bastion.example//', token)).toBe(`https://bastion.example/console/#/join?token=${token}`);
    const url = new URL(invitationLink('https://bastion.example', token));
    expect(url.search).toBe('');
    expect(url.hash).toBe(`#/join?token=${token}`);
  });
});

describe('invited addresses', () => {
  it('are trimmed and lower-cased, and compared case-insensitively', () => {
    expect(normaliseInvitationEmail('  Grace@Example.COM ')).toBe('grace@example.com');
    expect(sameEmail('Grace@Example.com', 'grace@example.COM')).toBe(true);
    expect(sameEmail('grace@example.com', 'grace@example.org')).toBe(false);
    expect(emailDomainOf('a@b@Mail.Example.com')).toBe('mail.example.com');
  });

  it('any domain is allowed while allowed_email_domains is empty', () => {
    expect(thrown(() => assertEmailDomainAllowed('x@anything.io', []))).toBeUndefined();
  });

  it('only the listed domains are allowed otherwise, exactly (no sub-domains)', () => {
    const allowed = ['example.com', 'corp.example.org'];
    expect(thrown(() => assertEmailDomainAllowed('a@example.com', allowed))).toBeUndefined();
    expect(thrown(() => assertEmailDomainAllowed('a@corp.example.org', allowed))).toBeUndefined();
    for (const email of ['a@mail.example.com', 'a@example.org', 'a@notexample.com']) {
      const error = thrown(() => assertEmailDomainAllowed(email, allowed));
      expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(error?.options.errors).toEqual([expect.objectContaining({ field: 'email', code: 'email_domain_not_allowed' })]);
    }
  });
});

describe('who may invite', () => {
  it.each(['admin', 'member'] as const)('owners and admins may invite a %s', (role) => {
    expect(thrown(() => assertMayInvite('owner', role))).toBeUndefined();
    expect(thrown(() => assertMayInvite('admin', role))).toBeUndefined();
  });

  it.each(['admin', 'member'] as const)('members may not invite a %s (403 forbidden)', (role) => {
    expect(thrown(() => assertMayInvite('member', role))).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it.each(TENANT_ROLES)('nobody invites an owner (a %s tried)', (actor) => {
    expect(thrown(() => assertMayInvite(actor, 'owner' as never))).toMatchObject({ status: 403, code: 'forbidden' });
  });
});

describe('invitation status', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  const later = new Date('2026-11-30T10:00:00Z');
  const earlier = new Date('2026-11-20T10:00:00Z');

  it('is pending until it expires, then expired (at the very instant too)', () => {
    expect(invitationStatus({ accepted_at: null, revoked_at: null, expires_at: later }, now)).toBe('pending');
    expect(invitationStatus({ accepted_at: null, revoked_at: null, expires_at: earlier }, now)).toBe('expired');
    expect(invitationStatus({ accepted_at: null, revoked_at: null, expires_at: now }, now)).toBe('expired');
  });

  it('accepted and revoked outrank expiry', () => {
    expect(invitationStatus({ accepted_at: earlier, revoked_at: null, expires_at: earlier }, now)).toBe('accepted');
    expect(invitationStatus({ accepted_at: null, revoked_at: earlier, expires_at: earlier }, now)).toBe('revoked');
  });
});

describe('the max_members quota', () => {
  it('leaves room to invite while members and pending invitations stay under the limit', () => {
    expect(memberQuotaBreachToInvite(null, 1000, 1000)).toBeNull();
    expect(memberQuotaBreachToInvite(5, 3, 1)).toBeNull();
    expect(memberQuotaBreachToInvite(5, 3, 2)).toEqual({ quota: 'max_members', limit: 5, usage: 5 });
    expect(memberQuotaBreachToInvite(5, 6, 0)).toEqual({ quota: 'max_members', limit: 5, usage: 6 });
  });

  it('leaves room to join while the members stay under the limit', () => {
    expect(memberQuotaBreachToJoin(null, 1000)).toBeNull();
    expect(memberQuotaBreachToJoin(5, 4)).toBeNull();
    expect(memberQuotaBreachToJoin(5, 5)).toEqual({ quota: 'max_members', limit: 5, usage: 5 });
  });

  it('is refused with 403 quota_exceeded carrying quota, limit and usage', () => {
    const error = TenancyError.quotaExceeded({ quota: 'max_members', limit: 5, usage: 5 });
    expect(error).toMatchObject({ status: 403, code: 'quota_exceeded' });
    expect(error.options.extensions).toEqual({ quota: 'max_members', limit: 5, usage: 5 });
  });
});
