/* global HTMLElement, HTMLButtonElement */
/**
 * What every card of the console shares: the polite status region, error regions, the
 * explanation of a failed API call, busy buttons, forms that never navigate, and row buttons.
 */
import * as api from './api.js';
import { byId, duration, el } from './dom.js';
import { PasskeyCeremonyError } from './webauthn.js';

const statusRegion = byId('status', HTMLElement);

/** @param {string} text for the polite live region */
export function announce(text) {
  statusRegion.textContent = text;
}

/**
 * @param {HTMLElement} region a role="alert" element
 * @param {string} text empty to clear
 */
export function setError(region, text) {
  region.textContent = text;
}

/** @param {number | null} seconds */
function retryTime(seconds) {
  if (seconds === null) return 'a little while';
  const at = new Date(Date.now() + seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return `${duration(seconds)} (at ${at})`;
}

/**
 * What to tell the user about a failed call.
 * @param {unknown} error
 */
export function explain(error) {
  if (error instanceof PasskeyCeremonyError) return error.message;
  if (!(error instanceof api.ApiError)) return 'Something went wrong. Reload the page and try again.';
  const { problem, retryAfter, status } = error;
  switch (error.code) {
    case 'invalid_credentials':
      return 'The email or password is incorrect.';
    case 'invalid_mfa_code':
      return 'That code is not valid or was already used. Wait for the next code in your app, or use a recovery code.';
    case 'too_many_attempts':
      return `Too many failed sign-in attempts: signing in is paused for this account. Try again in ${retryTime(retryAfter)}.`;
    case 'rate_limited':
      return `Too many requests. Try again in ${retryTime(retryAfter)}.`;
    case 'validation_failed':
      return problem.errors?.map((e) => e.message).join(' ') || (problem.detail ?? 'The request is invalid.');
    case 'invalid_current_password':
      return 'The password is incorrect.';
    case 'invalid_token':
      return 'This link is invalid, already used or expired. Ask for a new one.';
    case 'email_not_verified':
      return 'Confirm your email address first: follow the link in the message we sent you.';
    case 'weak_password':
    case 'breached_password':
      return problem.errors?.map((e) => e.message).join(' ') || 'Choose a stronger password.';
    case 'mfa_required':
      return 'Your account uses two-factor authentication: also enter a code from your authenticator app, or a recovery code.';
    case 'tenant_mfa_required':
      return 'This organisation requires two-factor authentication, and your account does not use it yet: turn it on under “Two-factor authentication” on this page, then try again.';
    case 'tenant_session_too_old': {
      const maxAge = typeof problem.session_max_age === 'number' ? ` for ${duration(problem.session_max_age)}` : '';
      return `This organisation accepts a session only${maxAge} after signing in, and yours began earlier: sign out and sign in again to continue.`;
    }
    case 'tenant_rate_limited':
      return `This organisation has made too many requests this minute. Try again in ${retryTime(retryAfter)}.`;
    case 'quota_exceeded':
      return explainQuota(problem);
    case 'reauthentication_required':
      return 'This needs a recent sign-in: confirm who you are (your password, a code or a passkey) when asked, then try again.';
    case 'passkey_rejected':
      return 'The passkey could not be verified. Try again, or use another way.';
    case 'passkey_challenge_invalid':
      return 'The passkey request expired or was already used. Try again.';
    case 'passkey_limit':
      return `You have the most passkeys an account can have${typeof problem.limit === 'number' ? ` (${problem.limit})` : ''}: remove one first.`;
    case 'passkey_exists':
      return 'This passkey is registered already.';
    case 'passkey_not_found':
      return 'This passkey no longer exists.';
    case 'no_passkeys':
      return 'Your account has no passkey: use your password or a code instead.';
    default:
      break;
  }
  if (status === 0) return 'Bastion cannot be reached. Check your connection and try again.';
  if (status >= 500) return `The server could not do that. Try again later (reference ${problem.request_id ?? 'unknown'}).`;
  return problem.detail ?? `The request failed (HTTP ${status}).`;
}

/**
 * A `quota_exceeded` refusal: which quota, its limit, and what is in use.
 * @param {import('./api.js').Problem} problem
 */
export function explainQuota(problem) {
  const { quota, limit, usage } = problem;
  const raise = 'or ask a platform administrator to raise the limit.';
  if (typeof limit !== 'number') return problem.detail ?? 'This would go over one of the organisation’s quotas.';
  const used = typeof usage === 'number' ? usage : limit;
  switch (quota) {
    case 'max_projects':
      return `This organisation has reached its limit of ${counted(limit, 'project')} (${used} in use): delete a project, ${raise}`;
    case 'max_storage_bytes':
      return `This file does not fit: the organisation may store ${bytes(limit)} and already stores ${bytes(used)}. Delete files, ${raise}`;
    case 'max_members':
      return `This organisation has no room for another member (${used} of ${counted(limit, 'place')} taken): ${raise}`;
    default:
      return `This would go over the organisation’s quota ${quota ?? ''} (limit ${limit}, in use ${used}).`;
  }
}

/**
 * "512 B", "1.5 kB", "10.5 MB": a size in bytes for people (SI units, as file managers show them).
 * @param {number} n
 */
export function bytes(n) {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const text = value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, '');
  return `${text} ${units[unit]}`;
}

/**
 * Disables a button while its action runs.
 * @param {HTMLButtonElement | null} button
 * @param {() => Promise<void>} action
 */
export async function busy(button, action) {
  if (button) button.disabled = true;
  try {
    await action();
  } finally {
    if (button) button.disabled = false;
  }
}

/**
 * The submit button of a form.
 * @param {HTMLFormElement} form
 */
function submitter(form) {
  const button = form.querySelector('button[type="submit"]');
  return button instanceof HTMLButtonElement ? button : null;
}

/**
 * Wires a form to an async handler (no page navigation; the button is disabled meanwhile).
 * @param {HTMLFormElement} form
 * @param {() => Promise<void>} handler
 */
export function onSubmit(form, handler) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submitter(form), handler);
  });
}

/**
 * A button of a table row. Its visible text is short; its accessible name says whom it acts on.
 * @param {string} text
 * @param {string} label
 * @param {() => Promise<void>} action
 * @param {string} [className]
 */
export function rowButton(text, label, action, className = 'secondary') {
  const button = el('button', { className, text, attrs: { type: 'button', 'aria-label': label } });
  button.addEventListener('click', () => void busy(button, action));
  return button;
}

/**
 * "3 sessions", "1 file".
 * @param {number} n
 * @param {string} singular
 * @param {string} [plural]
 */
export function counted(n, singular, plural = `${singular}s`) {
  return `${n} ${n === 1 ? singular : plural}`;
}
