import { createHash, randomBytes } from 'node:crypto';
import { ValidationFailedError } from '../../../platform/http/problem';
import type { QuotaField } from './quotas';
import { INVITABLE_ROLES, assertCan, type TenantRole } from './roles';
import { TenancyError } from './tenancy.errors';

/** The roles an invitation may grant. */
export type InvitationRole = (typeof INVITABLE_ROLES)[number];

export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/** The console page an invitation link opens (the token travels in the URL fragment). */
export const INVITATION_CONSOLE_ROUTE = 'join';

/** 256 random bits, base64url: 43 characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A fresh invitation token: 256 bits from the CSPRNG, base64url (it only ever travels inside a link). */
export function newInvitationToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Could this be a token we issued? (Anything else is refused without a lookup.) */
export function isInvitationTokenShaped(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_SHAPE.test(value);
}

/**
 * What `tenant_invitations.token_hash` holds: SHA-256 of the token, hex (64 characters).
 *
 * Unkeyed on purpose. A keyed hash (identity's HMAC keyring) protects tokens that could be
 * guessed from a leaked hash; these cannot: each token is 256 bits from the CSPRNG, so a
 * leaked hash is no shortcut to its token (a preimage search over 2^256 values), and no
 * dictionary of likely tokens exists. Storing only the hash still means a database leak alone
 * yields no usable link. It also keeps tenancy free of identity's secret material (contexts do
 * not read each other's configuration), and needs no key rotation.
 */
export function invitationTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The link mailed to the invited address: the console's join page, the token in the fragment (kept out of logs and `Referer`). */
export function invitationLink(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/console/#/${INVITATION_CONSOLE_ROUTE}?token=${token}`;
}

/** Addresses are compared and stored trimmed and lower-cased (as identity stores accounts' addresses). */
export function normaliseInvitationEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** The part after the last `@`, lower-cased. */
export function emailDomainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** Same address, case-insensitively (and ignoring surrounding white space). */
export function sameEmail(a: string, b: string): boolean {
  return normaliseInvitationEmail(a) === normaliseInvitationEmail(b);
}

/**
 * The tenant's `allowed_email_domains` rule: when the list is not empty, only addresses in one
 * of those domains (exactly: `example.com` does not admit `mail.example.com`) may be invited.
 * @throws ValidationFailedError 400 validation_failed, `{field: 'email', code: 'email_domain_not_allowed'}`
 */
export function assertEmailDomainAllowed(email: string, allowedDomains: readonly string[]): void {
  if (allowedDomains.length === 0) return;
  const domain = emailDomainOf(email);
  if (allowedDomains.some((allowed) => allowed.toLowerCase() === domain)) return;
  throw new ValidationFailedError(
    [
      {
        field: 'email',
        code: 'email_domain_not_allowed',
        message: `This tenant only admits addresses in: ${allowedDomains.join(', ')}`,
      },
    ],
    'The address is not in one of the tenant’s allowed e-mail domains.',
  );
}

/**
 * Who may invite with which role: whoever may add a member of that role. Owners and admins
 * manage members (admins may give `admin` and `member`, never `owner`); owners are never
 * invited (`INVITABLE_ROLES`), so both may invite with either invitable role.
 * @throws TenancyError 403 forbidden
 */
export function assertMayInvite(actor: TenantRole, role: InvitationRole): void {
  assertCan(actor, 'manage_members');
  if (!(INVITABLE_ROLES as readonly string[]).includes(role)) {
    throw TenancyError.forbidden('Owners cannot be invited; invite an admin or a member, then make them owner.');
  }
}

/** An invitation's state, derived from its timestamps at `now` (accepted and revoked outrank expiry). */
export function invitationStatus(
  invitation: { accepted_at: Date | null; revoked_at: Date | null; expires_at: Date },
  now: Date,
): InvitationStatus {
  if (invitation.accepted_at) return 'accepted';
  if (invitation.revoked_at) return 'revoked';
  return invitation.expires_at.getTime() > now.getTime() ? 'pending' : 'expired';
}

/** A quota a change would exceed: which, its limit, and the usage it is measured against. */
export interface QuotaBreach {
  quota: QuotaField;
  limit: number;
  usage: number;
}

/**
 * The `max_members` quota when inviting: the members plus the other pending invitations (an
 * invitation being replaced does not count twice) take up the room; a new invitation needs
 * one more. `limit` null: unlimited. Null when there is room.
 */
export function memberQuotaBreachToInvite(limit: number | null, members: number, pendingInvitations: number): QuotaBreach | null {
  const usage = members + pendingInvitations;
  return limit !== null && usage >= limit ? { quota: 'max_members', limit, usage } : null;
}

/**
 * The `max_members` quota when accepting: checked again against the members as they stand
 * under the tenant lock (the quota may have been lowered since the invitation was sent).
 * Null when there is room.
 */
export function memberQuotaBreachToJoin(limit: number | null, members: number): QuotaBreach | null {
  return limit !== null && members >= limit ? { quota: 'max_members', limit, usage: members } : null;
}
