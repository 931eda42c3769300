import { html, oneLine, type SafeHtml } from './html';

/** A message as every channel gets it: email uses all three, WhatsApp the subject and text. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

export type SuspiciousLoginReason = 'new_ip' | 'new_user_agent' | 'after_failures';

/** Fields every security notice carries: who it greets and where the event came from. */
interface SecurityNoticeBase {
  display_name: string | null;
  /** When it happened (ISO 8601). */
  occurred_at: string;
  ip: string | null;
}

/** Every message type and the data its template needs (primitives only: stored as JSON). */
export interface TemplateDataMap {
  'security.account_locked': SecurityNoticeBase & { locked_until: string; cooldown_seconds: number };
  'security.suspicious_login': SecurityNoticeBase & { user_agent: string | null; reasons: SuspiciousLoginReason[] };
  'security.password_changed': SecurityNoticeBase & { sessions_revoked: number };
  'security.mfa_enabled': SecurityNoticeBase;
  'security.mfa_disabled': SecurityNoticeBase;
  'security.passkey_added': SecurityNoticeBase & { passkey_name: string };
  'security.passkey_removed': SecurityNoticeBase & { passkey_name: string };
  'security.refresh_token_reuse': SecurityNoticeBase & { user_agent: string | null };
  /** `link` holds a one-time token: the queue drops it once the message is sent or given up. */
  'account.verify_email': SecurityNoticeBase & { link: string; expires_at: string };
  'account.reset_password': SecurityNoticeBase & { link: string; expires_at: string };
  'account.registration_attempt': SecurityNoticeBase;
  'account.confirm_email_change': SecurityNoticeBase & { link: string; expires_at: string; new_email: string };
  'account.email_change_requested': SecurityNoticeBase & { new_email_masked: string };
  /** The account will be erased at `due_at` unless its owner signs in before then. */
  'account.deletion_scheduled': SecurityNoticeBase & { due_at: string; by_admin: boolean };
  /** An admin opened an account for this address; `link` sets its password (dropped once sent). */
  'account.invitation': SecurityNoticeBase & { link: string; expires_at: string; role: string };
  /**
   * A tenant's owner or admin invited this address to join the tenant (the address may have no
   * account yet, so `display_name` is null); `link` works once, for the account of this address
   * (dropped once sent). `inviter_name`: the inviter's display name, if they have one.
   */
  'tenancy.invitation': SecurityNoticeBase & {
    link: string;
    expires_at: string;
    tenant_name: string;
    role: string;
    inviter_name: string | null;
  };
}

export type TemplateName = keyof TemplateDataMap;

export const PRODUCT_NAME = 'Bastion';

const USER_AGENT_SHOWN = 200;

/** `2026-11-23T08:30:12.345Z` → `2026-11-23 08:30 UTC`; anything unparsable as given. */
export function formatTime(iso: unknown): string {
  const at = typeof iso === 'string' ? new Date(iso) : null;
  if (!at || Number.isNaN(at.getTime())) return typeof iso === 'string' && iso !== '' ? iso : 'an unknown time';
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** 900 → `15 minutes`, 3600 → `1 hour`, 45 → `45 seconds`. */
export function formatDuration(seconds: unknown): string {
  const s = typeof seconds === 'number' && Number.isFinite(seconds) ? Math.max(0, Math.round(seconds)) : 0;
  const unit = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (s >= 86_400 && s % 86_400 === 0) return unit(s / 86_400, 'day');
  if (s >= 3600 && s % 3600 === 0) return unit(s / 3600, 'hour');
  if (s >= 60 && s % 60 === 0) return unit(s / 60, 'minute');
  return unit(s, 'second');
}

/** A value as a reader sees it: text as is, numbers as digits, anything missing as `fallback`. */
function shown(value: unknown, fallback = 'unknown'): string {
  if (typeof value === 'string') return value === '' ? fallback : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fallback;
}

const userAgent = (value: unknown): string => {
  const ua = shown(value);
  return ua.length > USER_AGENT_SHOWN ? `${ua.slice(0, USER_AGENT_SHOWN)}…` : ua;
};

const REASON_TEXT: Record<SuspiciousLoginReason, string> = {
  new_ip: 'it came from an IP address this account has not signed in from before',
  new_user_agent: 'it came from a browser or device this account has not signed in from before',
  after_failures: 'it followed several failed sign-in attempts',
};

const IF_NOT_YOU =
  'If this was not you, change your password now, review your active sessions and turn on two-factor authentication.';
const FOOTER = `This is an automatic security notice from ${PRODUCT_NAME}. We send one for every important change to your account; replies are not read.`;

/** One notice: a greeting, paragraphs, an optional details table, the same footer. */
interface NoticeParts {
  subject: string;
  displayName: unknown;
  paragraphs: string[];
  details?: [label: string, value: string][];
  /** A button (HTML) or a line with the URL (text), after the paragraphs. */
  action?: { label: string; url: string };
  closing?: string;
}

function notice(parts: NoticeParts): RenderedMessage {
  const name = typeof parts.displayName === 'string' && parts.displayName.trim() !== '' ? parts.displayName.trim() : null;
  const greeting = name ? `Hi ${name},` : 'Hi,';
  const details = parts.details ?? [];
  const closing = parts.closing ?? IF_NOT_YOU;
  const subject = oneLine(`${PRODUCT_NAME}: ${parts.subject}`);

  const text = [
    greeting,
    '',
    ...parts.paragraphs.flatMap((p) => [p, '']),
    ...(parts.action ? [`${parts.action.label}: ${parts.action.url}`, ''] : []),
    ...(details.length > 0 ? [...details.map(([label, value]) => `${label}: ${value}`), ''] : []),
    closing,
    '',
    '-- ',
    FOOTER,
  ].join('\n');

  const rows: SafeHtml[] = details.map(
    ([label, value]) =>
      html`<tr>
        <th align="left" style="padding:4px 12px 4px 0;color:#555;font-weight:normal">${label}</th>
        <td style="padding:4px 0">${value}</td>
      </tr>`,
  );
  const body = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${subject}</title>
      </head>
      <body
        style="margin:0;padding:24px;background:#f6f7f9;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d1f23"
      >
        <div style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px">
          <p>${greeting}</p>
          ${parts.paragraphs.map((p) => html`<p>${p}</p>`)}
          ${
            parts.action
              ? html`<p>
                    <a
                      href="${parts.action.url}"
                      style="display:inline-block;background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none"
                      >${parts.action.label}</a
                    >
                  </p>
                  <p style="color:#6b7280;font-size:12px">Or open this address: ${parts.action.url}</p>`
              : null
          }
          ${
            rows.length > 0
              ? html`<table role="presentation" style="border-collapse:collapse;margin:8px 0 16px">
                  ${rows}
                </table>`
              : null
          }
          <p><strong>${closing}</strong></p>
          <p style="color:#6b7280;font-size:12px;border-top:1px solid #e5e7eb;padding-top:12px">${FOOTER}</p>
        </div>
      </body>
    </html>`;
  return { subject, text, html: body.value };
}

type Templates = { [K in TemplateName]: (data: TemplateDataMap[K]) => RenderedMessage };

const TEMPLATES: Templates = {
  'security.account_locked': (d) =>
    notice({
      subject: 'your account is temporarily locked',
      displayName: d.display_name,
      paragraphs: [
        `Your ${PRODUCT_NAME} account was locked after too many failed sign-in attempts, to protect it from password guessing.`,
        `You can sign in again after ${formatTime(d.locked_until)} (in about ${formatDuration(d.cooldown_seconds)}). Until then, even the right password is refused.`,
      ],
      details: [
        ['Locked at', formatTime(d.occurred_at)],
        ['Last attempt from IP address', shown(d.ip)],
      ],
      closing:
        'If these attempts were not yours, someone may know your email address: once you can sign in, choose a strong, unique password.',
    }),
  'security.suspicious_login': (d) =>
    notice({
      subject: 'new sign-in to your account',
      displayName: d.display_name,
      paragraphs: [
        `Someone signed in to your ${PRODUCT_NAME} account. We are letting you know because ${
          (Array.isArray(d.reasons) ? d.reasons : []).map((r) => REASON_TEXT[r] ?? String(r)).join(', and ') ||
          'it looked unusual'
        }.`,
        'If it was you, there is nothing to do.',
      ],
      details: [
        ['When', formatTime(d.occurred_at)],
        ['IP address', shown(d.ip)],
        ['Browser or device', userAgent(d.user_agent)],
      ],
    }),
  'security.password_changed': (d) =>
    notice({
      subject: 'your password was changed',
      displayName: d.display_name,
      paragraphs: [
        `The password of your ${PRODUCT_NAME} account was changed.`,
        d.sessions_revoked > 0
          ? `For your safety we signed out your other ${d.sessions_revoked === 1 ? 'session' : `${d.sessions_revoked} sessions`}.`
          : 'No other session was signed in.',
      ],
      details: [
        ['When', formatTime(d.occurred_at)],
        ['IP address', shown(d.ip)],
      ],
      closing:
        'If you did not change it, reset your password at once and contact support: someone else may have access to your account.',
    }),
  'security.mfa_enabled': (d) =>
    notice({
      subject: 'two-factor authentication is on',
      displayName: d.display_name,
      paragraphs: [
        `Two-factor authentication was turned on for your ${PRODUCT_NAME} account. Signing in now also needs a code from your authenticator app.`,
        'Keep your recovery codes somewhere safe: they are the way back in if you lose your device.',
      ],
      details: [
        ['When', formatTime(d.occurred_at)],
        ['IP address', shown(d.ip)],
      ],
    }),
  'security.mfa_disabled': (d) =>
    notice({
      subject: 'two-factor authentication is off',
      displayName: d.display_name,
      paragraphs: [
        `Two-factor authentication was turned off for your ${PRODUCT_NAME} account. Signing in now needs only your password.`,
      ],
      details: [
        ['When', formatTime(d.occurred_at)],
        ['IP address', shown(d.ip)],
      ],
      closing:
        'If you did not turn it off, change your password now, turn two-factor authentication back on and review your active sessions.',
    }),
  'security.passkey_added': (d) =>
    notice({
      subject: 'a passkey was added',
      displayName: d.display_name,
      paragraphs: [
        `A passkey named “${d.passkey_name}” was added to your ${PRODUCT_NAME} account. It can now sign in to your account without a password.`,
      ],
      details: [
        ['When', formatTime(d.occurred_at)],
        ['Passkey', d.passkey_name],
      ],
      closing: 'If you did not add it, remove it from your account now, change your password and review your active sessions.',
    }),
  'security.passkey_removed': (d) =>
    notice({
      subject: 'a passkey was removed',
      displayName: d.display_name,
      paragraphs: [
        `The passkey named “${d.passkey_name}” was removed from your ${PRODUCT_NAME} account; it can no longer sign in.`,
      ],
      details: [
        ['When', formatTime(d.occurred_at)],
        ['Passkey', d.passkey_name],
      ],
      closing: 'If you did not remove it, change your password now and review your passkeys and active sessions.',
    }),
  'security.refresh_token_reuse': (d) =>
    notice({
      subject: 'we signed out a session that may be compromised',
      displayName: d.display_name,
      paragraphs: [
        `A sign-in token of your ${PRODUCT_NAME} account was used after it had already been replaced. That happens when a copy of it was stolen, so we signed that session out everywhere.`,
        'You may need to sign in again on the device that used it.',
      ],
      details: [
        ['When', formatTime(d.occurred_at)],
        ['IP address of the reuse', shown(d.ip)],
        ['Browser or device', userAgent(d.user_agent)],
      ],
    }),
  'account.verify_email': (d) =>
    notice({
      subject: 'confirm your email address',
      displayName: d.display_name,
      paragraphs: [
        `Please confirm that this address belongs to your ${PRODUCT_NAME} account. The link works once, until ${formatTime(d.expires_at)}.`,
      ],
      action: { label: 'Confirm my address', url: shown(d.link, '') },
      closing: 'If you did not create an account, ignore this message: nothing happens without the link.',
    }),
  'account.reset_password': (d) =>
    notice({
      subject: 'reset your password',
      displayName: d.display_name,
      paragraphs: [
        `Someone asked to reset the password of your ${PRODUCT_NAME} account. The link works once, until ${formatTime(d.expires_at)}; resetting signs out every session.`,
      ],
      action: { label: 'Choose a new password', url: shown(d.link, '') },
      details: [
        ['Requested at', formatTime(d.occurred_at)],
        ['From IP address', shown(d.ip)],
      ],
      closing: 'If you did not ask for this, ignore this message: your password stays as it is.',
    }),
  'account.registration_attempt': (d) =>
    notice({
      subject: 'someone tried to register with your address',
      displayName: d.display_name,
      paragraphs: [
        `Someone tried to create a new ${PRODUCT_NAME} account with this email address. It already has an account (yours), so nothing was created.`,
        'If it was you, sign in instead, or reset your password if you forgot it.',
      ],
      details: [
        ['When', formatTime(d.occurred_at)],
        ['IP address', shown(d.ip)],
      ],
      closing: 'If it was not you, there is nothing to do: your account is unchanged.',
    }),
  'account.confirm_email_change': (d) =>
    notice({
      subject: 'confirm your new email address',
      displayName: d.display_name,
      paragraphs: [
        `Please confirm that ${shown(d.new_email)} should become the address of your ${PRODUCT_NAME} account. The link works once, until ${formatTime(d.expires_at)}.`,
      ],
      action: { label: 'Confirm the new address', url: shown(d.link, '') },
      closing: 'If you did not ask for this, ignore this message: nothing changes without the link.',
    }),
  'account.email_change_requested': (d) =>
    notice({
      subject: 'a change of your email address was requested',
      displayName: d.display_name,
      paragraphs: [
        `Someone signed in to your ${PRODUCT_NAME} account asked to move it to ${shown(d.new_email_masked)}. The change happens only when the link sent to that address is followed.`,
      ],
      details: [
        ['When', formatTime(d.occurred_at)],
        ['IP address', shown(d.ip)],
      ],
    }),
  'account.deletion_scheduled': (d) =>
    notice({
      subject: 'your account will be deleted',
      displayName: d.display_name,
      paragraphs: [
        d.by_admin
          ? `An administrator closed your ${PRODUCT_NAME} account. It is signed out everywhere, and its data will be erased on ${formatTime(d.due_at)}.`
          : `You asked us to delete your ${PRODUCT_NAME} account. It is signed out everywhere, and its data will be erased on ${formatTime(d.due_at)}.`,
        `Changed your mind? Sign in with your password before then and the deletion is cancelled.`,
      ],
      details: [
        ['Requested at', formatTime(d.occurred_at)],
        ['IP address', shown(d.ip)],
      ],
      closing: 'If you did not ask for this, sign in now: that cancels it. Then change your password.',
    }),
  'account.invitation': (d) =>
    notice({
      subject: 'you are invited',
      displayName: d.display_name,
      paragraphs: [
        `An administrator opened a ${PRODUCT_NAME} account for this address (role: ${shown(d.role)}). Choose a password to start using it. The link works once, until ${formatTime(d.expires_at)}.`,
      ],
      action: { label: 'Choose my password', url: shown(d.link, '') },
      closing: 'If you did not expect this, ignore this message: the account stays closed without the link.',
    }),
  'tenancy.invitation': (d) =>
    notice({
      subject: `you are invited to join ${shown(d.tenant_name, 'a team')}`,
      displayName: d.display_name,
      paragraphs: [
        `${shown(d.inviter_name, 'Someone')} invited you to join ${shown(d.tenant_name, 'a team')} on ${PRODUCT_NAME} as ${shown(d.role, 'member')}. The link works once, until ${formatTime(d.expires_at)}, for the ${PRODUCT_NAME} account of this email address.`,
        `If you have no ${PRODUCT_NAME} account yet, register with this address first, then open the link.`,
      ],
      action: { label: 'Join the team', url: shown(d.link, '') },
      closing: 'If you did not expect this, ignore this message: nobody joins without the link.',
    }),
};

export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as TemplateName[];

export function isTemplateName(value: unknown): value is TemplateName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(TEMPLATES, value);
}

/** Renders a message: plain text as written, HTML with every interpolated value escaped. */
export function renderTemplate<K extends TemplateName>(name: K, data: TemplateDataMap[K]): RenderedMessage {
  const template = TEMPLATES[name] as (data: TemplateDataMap[K]) => RenderedMessage;
  return template(data);
}
