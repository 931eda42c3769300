/* global HTMLButtonElement, HTMLDialogElement, HTMLElement, HTMLFormElement, HTMLInputElement */
/**
 * Step-up: a sensitive action (a new password or address, two-factor settings, passkeys, API
 * keys, closing the account) answers `401 reauthentication_required` when the session's last
 * sign-in is older than the server's REAUTH_MAX_AGE. `api.js` then calls `prompt`: this modal
 * dialog asks for the password, a code from the authenticator app (or a recovery code), or a
 * passkey, sends it to `POST /auth/reauthenticate` (whose new access token `api.js` adopts) and
 * resolves true, so the action is sent once more; Cancel (or Escape) resolves false, and the
 * action fails with that problem. Requests that need it at the same time share one dialog.
 */
import * as api from './api.js';
import { byId, show } from './dom.js';
import { announce, busy, explain, onSubmit, setError } from './ui.js';
import * as webauthn from './webauthn.js';

/**
 * @typedef {{ code: boolean, passkey: boolean }} Offer which proofs besides the password to offer
 */

const $ = {
  dialog: byId('step-up', HTMLDialogElement),
  error: byId('step-up-error', HTMLElement),
  passwordForm: byId('step-up-password-form', HTMLFormElement),
  password: byId('step-up-password', HTMLInputElement),
  codeForm: byId('step-up-code-form', HTMLFormElement),
  code: byId('step-up-code', HTMLInputElement),
  passkey: byId('step-up-passkey', HTMLButtonElement),
  cancel: byId('step-up-cancel', HTMLButtonElement),
};

/** @type {() => Offer} */
let offer = () => ({ code: true, passkey: webauthn.supported() });
/** @type {Promise<boolean> | null} */
let pending = null;
/** @type {((done: boolean) => void) | null} */
let settle = null;

/**
 * What the page knows of the account: whether to offer a code (two-factor authentication on or
 * unknown) and a passkey (it has some, or unknown).
 * @param {() => Offer} given
 */
export function init(given) {
  offer = () => {
    const known = given();
    return { code: known.code, passkey: known.passkey && webauthn.supported() };
  };
}

/**
 * Asks the user to confirm who they are; true once they did (the session is recent again).
 * @param {import('./api.js').Problem} _problem the `reauthentication_required` answer
 * @returns {Promise<boolean>}
 */
export function prompt(_problem) {
  pending ??= new Promise((resolve) => {
    settle = resolve;
    open();
  });
  return pending;
}

/** Closes the dialog without a step-up (the session ended meanwhile); the actions waiting fail. */
export function dismiss() {
  finish(false);
}

function open() {
  const { code, passkey } = offer();
  clear();
  show(code, $.codeForm);
  show(passkey, $.passkey);
  $.dialog.showModal();
  $.password.focus();
}

function clear() {
  setError($.error, '');
  $.password.value = '';
  $.code.value = '';
}

/** @param {boolean} done */
function finish(done) {
  const resolve = settle;
  settle = null;
  pending = null;
  clear();
  if ($.dialog.open) $.dialog.close();
  resolve?.(done);
}

/**
 * Sends one proof; the dialog closes when it holds, else it says why and stays open.
 * @param {() => Promise<import('./api.js').Proof>} proof (a passkey's is made first: it can fail too)
 * @param {HTMLInputElement | null} field to select again after a refusal
 */
async function confirm(proof, field) {
  setError($.error, '');
  try {
    await api.reauthenticate(await proof());
  } catch (error) {
    setError($.error, explain(error));
    field?.select();
    return;
  }
  announce('Confirmed. Continuing…');
  finish(true);
}

onSubmit($.passwordForm, () => confirm(() => Promise.resolve({ password: $.password.value }), $.password));

onSubmit($.codeForm, () => {
  const code = $.code.value.replace(/\s+/g, '');
  return confirm(() => Promise.resolve(/^\d{6}$/.test(code) ? { totp_code: code } : { recovery_code: code }), $.code);
});

$.passkey.addEventListener('click', () => {
  void busy($.passkey, () =>
    confirm(async () => ({ passkey_response: await webauthn.get(await api.reauthenticationOptions()) }), null),
  );
});

$.cancel.addEventListener('click', () => finish(false));
// Escape closes a modal dialog on its own: the same as Cancel.
$.dialog.addEventListener('close', () => {
  if (settle) finish(false);
});
