/* global window */
/**
 * Passkey ceremonies in the browser, with `@simplewebauthn/browser`: the server serves the ES
 * modules of its npm package under `/console/vendor/simplewebauthn-browser/` (same origin, so the
 * CSP's `script-src 'self'` admits them). They are loaded on first use, not with the page: the
 * console starts, and works with passwords, even when they cannot be loaded.
 *
 * A ceremony that fails in the browser (cancelled, timed out, refused by the authenticator)
 * rejects with a `PasskeyCeremonyError` whose message is meant for the user (`ui.explain` shows it).
 */

/**
 * @typedef {typeof import('@simplewebauthn/browser')} Library
 * @typedef {import('@simplewebauthn/browser').PublicKeyCredentialCreationOptionsJSON} CreationOptions
 * @typedef {import('@simplewebauthn/browser').PublicKeyCredentialRequestOptionsJSON} RequestOptions
 * @typedef {import('@simplewebauthn/browser').RegistrationResponseJSON} RegistrationResponse
 * @typedef {import('@simplewebauthn/browser').AuthenticationResponseJSON} AuthenticationResponse
 */

/** Relative to this module; a variable, so that type-checking does not look for the file here. */
const LIBRARY_URL = './vendor/simplewebauthn-browser/index.js';

/** A passkey ceremony that did not complete in the browser; `cancelled`: the user said no, or let it time out. */
export class PasskeyCeremonyError extends Error {
  /**
   * @param {string} message for the user
   * @param {boolean} cancelled
   */
  constructor(message, cancelled) {
    super(message);
    this.name = 'PasskeyCeremonyError';
    this.cancelled = cancelled;
  }
}

/** @type {Promise<Library> | null} */
let library = null;

/** @returns {Promise<Library>} */
async function load() {
  library ??= /** @type {Promise<Library>} */ (import(LIBRARY_URL));
  try {
    return await library;
  } catch {
    library = null; // the next attempt loads it again
    throw new PasskeyCeremonyError(
      'Passkeys cannot be used right now: part of the page did not load. Reload the page and try again.',
      false,
    );
  }
}

/** Whether this browser can use passkeys at all (WebAuthn; the console's address is a secure context). */
export function supported() {
  return window.isSecureContext && typeof window.PublicKeyCredential === 'function';
}

/**
 * The user's words for why a ceremony failed in the browser.
 * @param {unknown} error what `startRegistration` / `startAuthentication` threw
 * @param {'create' | 'get'} ceremony
 */
function ceremonyError(error, ceremony) {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'AbortError':
      // Cancelled, timed out, or no passkey chosen: browsers do not say which (on purpose).
      return new PasskeyCeremonyError(
        ceremony === 'create'
          ? 'No passkey was added: the request was cancelled or timed out. You can try again at any time.'
          : 'No passkey was used: the request was cancelled or timed out. You can try again, or use another way.',
        true,
      );
    case 'InvalidStateError':
      return new PasskeyCeremonyError(
        'This device already holds a passkey for your account: there is no need to add it again.',
        false,
      );
    case 'SecurityError':
      return new PasskeyCeremonyError(
        'Passkeys cannot be used at this address: the server is set up for another domain (WEBAUTHN_RP_ID).',
        false,
      );
    case 'NotSupportedError':
    case 'ConstraintError':
      return new PasskeyCeremonyError(
        'This device or browser cannot make or use this kind of passkey (it must check your fingerprint, face or PIN).',
        false,
      );
    default:
      return new PasskeyCeremonyError('The passkey could not be used. Try again, or use another way.', false);
  }
}

/**
 * Makes a new passkey with the browser's authenticator for the server's creation options.
 * @param {CreationOptions} optionsJSON
 * @returns {Promise<RegistrationResponse>} the credential to send back (`POST /auth/passkeys/registration`)
 */
export async function create(optionsJSON) {
  if (!supported()) throw new PasskeyCeremonyError('This browser cannot use passkeys.', false);
  const { startRegistration } = await load();
  try {
    return await startRegistration({ optionsJSON });
  } catch (error) {
    throw ceremonyError(error, 'create');
  }
}

/**
 * Signs the server's challenge with one of the user's passkeys (the browser lets them choose).
 * @param {RequestOptions} optionsJSON
 * @returns {Promise<AuthenticationResponse>} the assertion to send back
 */
export async function get(optionsJSON) {
  if (!supported()) throw new PasskeyCeremonyError('This browser cannot use passkeys.', false);
  const { startAuthentication } = await load();
  try {
    return await startAuthentication({ optionsJSON });
  } catch (error) {
    throw ceremonyError(error, 'get');
  }
}
