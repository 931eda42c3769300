/* global document, fetch, navigator, setTimeout, clearTimeout */
/**
 * The console's client of Bastion's REST API (same origin, `/api/v1`).
 *
 * Tokens: the access token lives only in this module's memory. The refresh token is never
 * visible to scripts: the cookie mode of the token endpoints (`?cookie=1`) keeps it in the
 * `HttpOnly` cookie `__Host-bastion_refresh`; requests that use it carry the CSRF token
 * (`X-CSRF-Token`, copied from the readable cookie `__Host-bastion_csrf`).
 */

/**
 * @typedef {{ field: string, code: string, message: string }} FieldError
 * @typedef {{ type?: string, title?: string, status?: number, detail?: string, code?: string,
 *   request_id?: string, retry_after?: number, errors?: FieldError[] }} Problem
 * @typedef {{ access_token: string, token_type: string, expires_in: number, csrf_token: string }} CookieTokens
 * @typedef {{ id: string, email: string, display_name: string | null, role: 'user' | 'admin', is_active: boolean,
 *   created_at: string, updated_at: string, last_login_at: string | null }} User
 * @typedef {{ id: string, created_at: string, last_used_at: string, user_agent: string | null, ip: string | null,
 *   expires_at: string, is_current: boolean }} Session
 * @typedef {{ items: Session[], total: number, page: number, page_size: number, pages: number }} SessionPage
 * @typedef {{ secret: string, otpauth_url: string, qr_svg: string }} Enrollment
 * @typedef {{ id: string, seq: number, occurred_at: string, type: string, actor_id: string | null,
 *   actor_ip: string | null, user_agent: string | null, subject_type: string | null, subject_id: string | null,
 *   outcome: string, request_id: string | null, metadata: Record<string, unknown> }} AuditEvent
 * @typedef {{ email: string, password: string, totp_code?: string, recovery_code?: string }} Credentials
 */

const BASE = '/api/v1';
const CSRF_COOKIE = '__Host-bastion_csrf';
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_SECONDS = 30;

/** An API failure: the HTTP status (0 when the server could not be reached) and the problem body. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Problem} problem
   * @param {number | null} retryAfter seconds, from `retry_after` or the Retry-After header
   */
  constructor(status, problem, retryAfter) {
    super(problem.detail ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.code = problem.code ?? '';
    this.retryAfter = retryAfter;
  }
}

/** @type {string | null} */
let accessToken = null;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let refreshTimer;
/** @type {() => void} */
let sessionEnded = () => {};

/** @param {() => void} callback called when the session ends on its own (refresh refused) */
export function onSessionEnded(callback) {
  sessionEnded = callback;
}

/** The CSRF token of the current cookie session, if the browser holds one. */
function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === CSRF_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether a refresh cookie is likely present (its CSRF companion is readable, it is not). */
export function hasCookieSession() {
  return csrfToken() !== undefined;
}

export function isSignedIn() {
  return accessToken !== null;
}

/**
 * @param {unknown} value
 * @returns {number | null}
 */
function seconds(value) {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? Math.ceil(n) : null;
}

/**
 * One API call. JSON in and out; problem+json bodies become an `ApiError`.
 * @param {string} method
 * @param {string} path below /api/v1
 * @param {{ body?: unknown, auth?: boolean, csrf?: boolean, retried?: boolean }} [options]
 * @returns {Promise<unknown>}
 */
async function call(method, path, options = {}) {
  const { body, auth = true, csrf = false, retried = false } = options;
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (auth && accessToken) headers.authorization = `Bearer ${accessToken}`;
  const csrfValue = csrf ? csrfToken() : undefined;
  if (csrfValue) headers['x-csrf-token'] = csrfValue;
  /** @type {Response} */
  let response;
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { detail: 'The server cannot be reached.' }, null);
  }
  // An access token past its lifetime (or a revoked session): one silent refresh, one retry.
  if (response.status === 401 && auth && accessToken && !retried) {
    if (await refresh()) return call(method, path, { ...options, retried: true });
    sessionEnded();
  }
  if (response.status === 204) return null;
  /** @type {unknown} */
  let data = null;
  if (/json/.test(response.headers.get('content-type') ?? '')) data = await response.json().catch(() => null);
  if (!response.ok) {
    const problem = /** @type {Problem} */ (data && typeof data === 'object' ? data : {});
    throw new ApiError(response.status, problem, seconds(problem.retry_after) ?? seconds(response.headers.get('retry-after')));
  }
  return data;
}

/** @param {CookieTokens} tokens */
function adopt(tokens) {
  accessToken = tokens.access_token;
  clearTimeout(refreshTimer);
  const inSeconds = Math.max(5, tokens.expires_in - REFRESH_MARGIN_SECONDS);
  refreshTimer = setTimeout(() => {
    refresh().then(
      (ok) => {
        if (!ok) sessionEnded();
      },
      () => {
        // Unreachable server: the next API call answers 401 and tries the refresh again.
      },
    );
  }, inSeconds * 1000);
}

function forget() {
  accessToken = null;
  clearTimeout(refreshTimer);
  refreshTimer = undefined;
}

/**
 * Log in (cookie mode). Rejects with `ApiError` code `mfa_required` when a second factor is due.
 * @param {Credentials} credentials
 */
export async function login(credentials) {
  const tokens = /** @type {CookieTokens} */ (await call('POST', '/auth/token?cookie=1', { body: credentials, auth: false }));
  adopt(tokens);
}

/**
 * A new access token from the refresh cookie; false when there is no usable session. Tabs
 * take turns (Web Locks), so two tabs never present the same refresh token: the second
 * one sends the cookie the first one's refresh just rotated.
 * @returns {Promise<boolean>}
 */
export async function refresh() {
  const attempt = async () => {
    if (!hasCookieSession()) {
      forget();
      return false;
    }
    try {
      const tokens = /** @type {CookieTokens} */ (
        await call('POST', '/auth/refresh?cookie=1', { body: {}, auth: false, csrf: true })
      );
      adopt(tokens);
      return true;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        forget();
        return false;
      }
      throw error;
    }
  };
  if (navigator.locks) return /** @type {Promise<boolean>} */ (navigator.locks.request('bastion-refresh', attempt));
  return attempt();
}

/** Ends this session on the server and clears both cookies; the memory is cleared in any case. */
export async function logout() {
  try {
    await call('POST', '/auth/logout?cookie=1', { body: {}, csrf: true });
  } finally {
    forget();
  }
}

/** @returns {Promise<User>} */
export async function me() {
  return /** @type {User} */ (await call('GET', '/auth/me'));
}

/** @returns {Promise<SessionPage>} */
export async function sessions() {
  return /** @type {SessionPage} */ (await call('GET', '/auth/sessions?page_size=100'));
}

/** @param {string} id */
export async function revokeSession(id) {
  await call('POST', `/auth/sessions/${encodeURIComponent(id)}/revoke`);
}

/** @returns {Promise<number>} how many sessions were revoked */
export async function revokeOtherSessions() {
  const result = /** @type {{ revoked: number }} */ (await call('POST', '/auth/sessions/revoke-others'));
  return result.revoked;
}

/** @returns {Promise<Enrollment>} */
export async function enrollTotp() {
  return /** @type {Enrollment} */ (await call('POST', '/auth/mfa/totp/enroll'));
}

/**
 * @param {string} code
 * @returns {Promise<string[]>} the recovery codes, shown once
 */
export async function activateTotp(code) {
  const result = /** @type {{ recovery_codes: string[] }} */ (await call('POST', '/auth/mfa/totp/activate', { body: { code } }));
  return result.recovery_codes;
}

/**
 * @param {string} password
 * @param {{ code?: string, recovery_code?: string }} second
 */
export async function disableTotp(password, second) {
  await call('POST', '/auth/mfa/totp/disable', { body: { password, ...second } });
}

/**
 * @param {number} limit
 * @returns {Promise<AuditEvent[]>} oldest first, as the feed sends them
 */
export async function auditTail(limit) {
  const result = /** @type {{ items: AuditEvent[] }} */ (await call('GET', `/admin/logs?limit=${limit}`));
  return result.items;
}

/**
 * Asks for a password-reset link (the answer is the same whether or not the address has an account).
 * @param {string} email
 */
export async function forgotPassword(email) {
  await call('POST', '/auth/password/forgot', { body: { email }, auth: false });
}

/**
 * Sets a new password with the token of a reset link.
 * @param {string} token
 * @param {string} newPassword
 */
export async function resetPassword(token, newPassword) {
  await call('POST', '/auth/password/reset', { body: { token, new_password: newPassword }, auth: false });
}

/**
 * Confirms the account's address with the token of a verification link.
 * @param {string} token
 * @returns {Promise<User>}
 */
export async function verifyEmail(token) {
  return /** @type {User} */ (await call('POST', '/auth/email/verify', { body: { token }, auth: false }));
}

/**
 * Asks to move the account to a new address (a confirmation link goes there).
 * @param {string} newEmail
 * @param {string} currentPassword
 */
export async function requestEmailChange(newEmail, currentPassword) {
  await call('POST', '/auth/email/change', { body: { new_email: newEmail, current_password: currentPassword } });
}

/**
 * Confirms a new address with the token of its link.
 * @param {string} token
 * @returns {Promise<User>}
 */
export async function confirmEmailChange(token) {
  return /** @type {User} */ (await call('POST', '/auth/email/change/confirm', { body: { token }, auth: false }));
}
