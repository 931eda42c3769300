import type { DomainEventMap } from '../../../platform/events/event-map';
import { maskEmail } from './recipient';
import type { TemplateDataMap, TemplateName } from './templates';

/** An event as subscribers receive it (the payload plus `occurred_at`). */
type Delivered<K extends keyof DomainEventMap> = DomainEventMap[K] & { occurred_at: string };

/** What one security event asks for: an email to the account, idempotent per event. */
export interface SecurityNotice<K extends TemplateName = TemplateName> {
  userId: string;
  template: K;
  /**
   * Unique per event, stable when the same event is delivered again: the queue stores it
   * under a unique index, so a replayed event never produces a second message.
   */
  dedupeKey: string;
  /** The template's data except `display_name`, which comes with the recipient lookup. */
  data: Omit<TemplateDataMap[K], 'display_name'>;
  /** Another address than the account's (a new address being confirmed). */
  to?: string;
}

/**
 * A message to an address rather than to an account: the address may have no account, so
 * nobody is looked up and the template's data is complete (`display_name` included, null).
 */
export interface AddressNotice<K extends TemplateName = TemplateName> {
  to: string;
  template: K;
  /** As for `SecurityNotice`: unique per event, stable when the event is delivered again. */
  dedupeKey: string;
  data: TemplateDataMap[K];
}

/**
 * One notice per lockout. `locked_until` identifies the lockout (a new one always ends
 * later), so the key holds even if the event is re-published with another `occurred_at`.
 * An unknown email (`user_id` null) has no account to tell: no notice.
 */
export function accountLockedNotice(e: Delivered<'auth.account_locked'>): SecurityNotice<'security.account_locked'> | null {
  if (!e.user_id) return null;
  return {
    userId: e.user_id,
    template: 'security.account_locked',
    dedupeKey: `auth.account_locked:${e.user_id}:${e.locked_until}`,
    data: { occurred_at: e.occurred_at, ip: e.ip, locked_until: e.locked_until, cooldown_seconds: e.cooldown_seconds },
  };
}

/** One notice per suspicious sign-in, keyed by the session it started. */
export function suspiciousLoginNotice(e: Delivered<'auth.suspicious_login'>): SecurityNotice<'security.suspicious_login'> {
  return {
    userId: e.user_id,
    template: 'security.suspicious_login',
    dedupeKey: `auth.suspicious_login:${e.session_id}`,
    data: { occurred_at: e.occurred_at, ip: e.ip, user_agent: e.user_agent, reasons: [...e.reasons] },
  };
}

/** A changed password, by its owner (`auth.password_changed`) or through a reset link (`auth.password_reset`). */
export function passwordChangedNotice(
  e: Delivered<'auth.password_changed'> | Delivered<'auth.password_reset'>,
  cause: 'auth.password_changed' | 'auth.password_reset' = 'auth.password_changed',
): SecurityNotice<'security.password_changed'> {
  return {
    userId: e.user_id,
    template: 'security.password_changed',
    dedupeKey: `${cause}:${e.user_id}:${e.occurred_at}`,
    data: { occurred_at: e.occurred_at, ip: e.ip, sessions_revoked: e.sessions_revoked },
  };
}

/**
 * One notice per compromised session: the session is revoked with its whole token family on
 * the first reuse, so further replays of stolen tokens of the same session add nothing the
 * user needs to hear twice.
 */
export function refreshReuseNotice(
  e: Delivered<'sessions.refresh_reuse_detected'>,
): SecurityNotice<'security.refresh_token_reuse'> {
  return {
    userId: e.user_id,
    template: 'security.refresh_token_reuse',
    dedupeKey: `sessions.refresh_reuse_detected:${e.session_id}`,
    data: { occurred_at: e.occurred_at, ip: e.ip, user_agent: e.user_agent },
  };
}

/** MFA turned on or off (`auth.mfa_enabled` / `auth.mfa_disabled`), keyed by user and time. */
export function mfaChangedNotice(
  event: 'auth.mfa_enabled' | 'auth.mfa_disabled',
  e: { user_id: string; occurred_at: string; ip?: string | null },
): SecurityNotice<'security.mfa_enabled' | 'security.mfa_disabled'> {
  return {
    userId: e.user_id,
    template: event === 'auth.mfa_enabled' ? 'security.mfa_enabled' : 'security.mfa_disabled',
    dedupeKey: `${event}:${e.user_id}:${e.occurred_at}`,
    data: { occurred_at: e.occurred_at, ip: e.ip ?? null },
  };
}

/** A passkey added to or removed from the account (`auth.passkey_registered` / `auth.passkey_removed`), one message each. */
export function passkeyChangedNotice(
  event: 'auth.passkey_registered' | 'auth.passkey_removed',
  e: { user_id: string; passkey_id: string; name: string; occurred_at: string },
): SecurityNotice<'security.passkey_added' | 'security.passkey_removed'> {
  return {
    userId: e.user_id,
    template: event === 'auth.passkey_registered' ? 'security.passkey_added' : 'security.passkey_removed',
    dedupeKey: `${event}:${e.passkey_id}`,
    data: { occurred_at: e.occurred_at, ip: null, passkey_name: e.name },
  };
}

/** The link that confirms the account's address, one message per link. */
export function verifyEmailNotice(e: Delivered<'auth.email_verification_requested'>): SecurityNotice<'account.verify_email'> {
  return {
    userId: e.user_id,
    template: 'account.verify_email',
    dedupeKey: `auth.email_verification_requested:${e.user_id}:${e.occurred_at}`,
    data: { occurred_at: e.occurred_at, ip: null, link: e.token_link, expires_at: e.expires_at },
  };
}

/** The password-reset link, one message per link. */
export function resetPasswordNotice(e: Delivered<'auth.password_reset_requested'>): SecurityNotice<'account.reset_password'> {
  return {
    userId: e.user_id,
    template: 'account.reset_password',
    dedupeKey: `auth.password_reset_requested:${e.user_id}:${e.occurred_at}`,
    data: { occurred_at: e.occurred_at, ip: e.ip, link: e.token_link, expires_at: e.expires_at },
  };
}

/** One notice per attempt to register the account's address again (where registration answers alike). */
export function registrationAttemptNotice(
  e: Delivered<'auth.registration_attempted'>,
): SecurityNotice<'account.registration_attempt'> {
  return {
    userId: e.user_id,
    template: 'account.registration_attempt',
    dedupeKey: `auth.registration_attempted:${e.user_id}:${e.occurred_at}`,
    data: { occurred_at: e.occurred_at, ip: e.ip },
  };
}

/** The confirmation link, to the new address; none when the request carries no link (the address is another account's). */
export function confirmEmailChangeNotice(
  e: Delivered<'auth.email_change_requested'>,
): SecurityNotice<'account.confirm_email_change'> | null {
  if (e.token_link === '') return null;
  return {
    userId: e.user_id,
    template: 'account.confirm_email_change',
    dedupeKey: `auth.email_change_requested:${e.user_id}:${e.occurred_at}:new`,
    data: { occurred_at: e.occurred_at, ip: e.ip, link: e.token_link, expires_at: e.expires_at, new_email: e.new_email },
    to: e.new_email,
  };
}

/** The heads-up to the current address (the new one only masked). */
export function emailChangeRequestedNotice(
  e: Delivered<'auth.email_change_requested'>,
): SecurityNotice<'account.email_change_requested'> {
  return {
    userId: e.user_id,
    template: 'account.email_change_requested',
    dedupeKey: `auth.email_change_requested:${e.user_id}:${e.occurred_at}:old`,
    data: { occurred_at: e.occurred_at, ip: e.ip, new_email_masked: maskEmail(e.new_email) },
  };
}

/**
 * The deletion is scheduled; no message when the grace period is zero (nothing left to
 * cancel, and the erasure removes queued mail to the address anyway).
 */
export function deletionScheduledNotice(
  e: Delivered<'auth.account_deletion_requested'>,
): SecurityNotice<'account.deletion_scheduled'> | null {
  if (e.grace_seconds <= 0) return null;
  return {
    userId: e.user_id,
    template: 'account.deletion_scheduled',
    dedupeKey: `auth.account_deletion_requested:${e.user_id}:${e.occurred_at}`,
    data: {
      occurred_at: e.occurred_at,
      ip: e.ip,
      due_at: e.due_at,
      by_admin: e.by_user_id !== null && e.by_user_id !== e.user_id,
    },
    to: e.email,
  };
}

/** The invitation link, one message per link. */
export function invitationNotice(e: Delivered<'auth.user_invited'>): SecurityNotice<'account.invitation'> {
  return {
    userId: e.user_id,
    template: 'account.invitation',
    dedupeKey: `auth.user_invited:${e.user_id}:${e.occurred_at}`,
    data: { occurred_at: e.occurred_at, ip: null, link: e.token_link, expires_at: e.expires_at, role: e.role },
    to: e.email,
  };
}

/**
 * A tenant invitation's link, to the invited address (which may have no account yet: the
 * message greets nobody by name), one message per invitation. `inviterName`: the inviter's
 * display name, looked up when the event is handled (null: none, or the account is gone).
 */
export function tenantInvitationNotice(
  e: Delivered<'tenancy.invitation_sent'>,
  inviterName: string | null,
): AddressNotice<'tenancy.invitation'> {
  return {
    to: e.email,
    template: 'tenancy.invitation',
    dedupeKey: `tenancy.invitation_sent:${e.invitation_id}`,
    data: {
      display_name: null,
      occurred_at: e.occurred_at,
      ip: null,
      link: e.token_link,
      expires_at: e.expires_at,
      tenant_name: e.tenant_name,
      role: e.role,
      inviter_name: inviterName,
    },
  };
}
