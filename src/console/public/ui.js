/* global HTMLElement, HTMLButtonElement */
/**
 * What every card of the console shares: the polite status region, error regions, the
 * explanation of a failed API call, busy buttons, forms that never navigate, and row buttons.
 */
import * as api from './api.js';
import { byId, duration, el } from './dom.js';

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
    default:
      break;
  }
  if (status === 0) return 'Bastion cannot be reached. Check your connection and try again.';
  if (status >= 500) return `The server could not do that. Try again later (reference ${problem.request_id ?? 'unknown'}).`;
  return problem.detail ?? `The request failed (HTTP ${status}).`;
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
