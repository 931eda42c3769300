/* global document, fetch, navigator, setTimeout, clearTimeout, Headers, URLSearchParams, FormData, Blob, File */
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
 *   request_id?: string, retry_after?: number, errors?: FieldError[], quota?: string, limit?: number,
 *   usage?: number, session_max_age?: number, methods?: string[], mfa_token?: string, max_age?: number }} Problem
 *   `methods` and `mfa_token`: of `mfa_required` (the second factors the account can use; the ticket for a passkey
 *   challenge, when it has passkeys); `max_age`: of `reauthentication_required` (seconds)
 * @typedef {{ access_token: string, token_type: string, expires_in: number, csrf_token: string }} CookieTokens
 * @typedef {{ access_token: string, token_type: string, expires_in: number }} AccessToken
 * @typedef {'invited' | 'active' | 'inactive' | 'deletion_pending' | 'erased'} AccountStatus
 * @typedef {{ id: string, email: string, display_name: string | null, role: 'user' | 'admin', is_active: boolean,
 *   email_verified: boolean, status: AccountStatus, deletion_due_at: string | null,
 *   created_at: string, updated_at: string, last_login_at: string | null }} User
 * @typedef {{ items: User[], total: number, page: number, page_size: number, pages: number }} UserPage
 * @typedef {{ role?: 'user' | 'admin', is_active?: boolean, display_name?: string | null }} UserChange
 * @typedef {{ format: string, generated_at: string, [section: string]: unknown }} PersonalDataExport
 * @typedef {{ filename: string, text: string, data: PersonalDataExport }} DataDownload
 * @typedef {{ id: string, created_at: string, last_used_at: string, user_agent: string | null, ip: string | null,
 *   expires_at: string, is_current: boolean }} Session
 * @typedef {{ items: Session[], total: number, page: number, page_size: number, pages: number }} SessionPage
 * @typedef {{ secret: string, otpauth_url: string, qr_svg: string }} Enrollment
 * @typedef {{ id: string, seq: number, occurred_at: string, type: string, actor_id: string | null,
 *   actor_ip: string | null, user_agent: string | null, subject_type: string | null, subject_id: string | null,
 *   outcome: string, request_id: string | null, metadata: Record<string, unknown> }} AuditEvent
 * @typedef {import('@simplewebauthn/browser').PublicKeyCredentialCreationOptionsJSON} PasskeyCreationOptions
 * @typedef {import('@simplewebauthn/browser').PublicKeyCredentialRequestOptionsJSON} PasskeyRequestOptions
 * @typedef {import('@simplewebauthn/browser').RegistrationResponseJSON} PasskeyRegistration
 * @typedef {import('@simplewebauthn/browser').AuthenticationResponseJSON} PasskeyAssertion
 * @typedef {{ email: string, password: string, totp_code?: string, recovery_code?: string,
 *   passkey_response?: PasskeyAssertion }} Credentials
 * @typedef {{ id: string, name: string, created_at: string, last_used_at: string | null, backed_up: boolean,
 *   device_type: 'singleDevice' | 'multiDevice', transports: string[] }} Passkey
 * @typedef {{ password: string } | { totp_code: string } | { recovery_code: string }
 *   | { passkey_response: PasskeyAssertion }} Proof one proof of who you are, for a step-up
 * @typedef {'owner' | 'admin' | 'member'} TenantRole
 * @typedef {'active' | 'suspended'} TenantStatus
 * @typedef {{ max_members: number | null, max_projects: number | null, max_storage_bytes: number | null,
 *   max_requests_per_minute: number | null }} TenantQuotas
 * @typedef {{ id: string, slug: string, name: string, status: TenantStatus, personal: boolean, role: TenantRole,
 *   settings: Record<string, unknown>, quotas: TenantQuotas, created_at: string, updated_at: string }} Tenant
 * @typedef {{ items: Tenant[], total: number, page: number, page_size: number, pages: number }} TenantPage
 * @typedef {{ tenant: Tenant, etag: string | null }} TenantVersion a tenant with the strong ETag it was read with
 * @typedef {{ user_id: string, email: string, display_name: string | null, role: TenantRole, joined_at: string }} Member
 * @typedef {{ items: Member[], total: number, page: number, page_size: number, pages: number }} MemberPage
 * @typedef {{ id: string, slug: string, name: string, status: TenantStatus, personal: boolean,
 *   settings: Record<string, unknown>, quotas: TenantQuotas, member_count: number, created_at: string,
 *   updated_at: string }} AdminTenant
 * @typedef {{ items: AdminTenant[], total: number, page: number, page_size: number, pages: number }} AdminTenantPage
 * @typedef {{ status?: TenantStatus, quotas?: Partial<TenantQuotas> }} AdminTenantChange
 * @typedef {'admin' | 'member'} InvitationRole
 * @typedef {'pending' | 'accepted' | 'revoked' | 'expired'} InvitationStatus
 * @typedef {{ id: string, email: string, role: InvitationRole, invited_by: string | null, created_at: string,
 *   expires_at: string, status: InvitationStatus }} TenantInvitation
 * @typedef {{ items: TenantInvitation[], total: number, page: number, page_size: number, pages: number }} TenantInvitationPage
 * @typedef {{ tenant_id: string, user_id: string, role: TenantRole, joined_at: string, tenant: Tenant }} Joined
 * @typedef {{ mfa_required: boolean, allowed_email_domains: string[], session_max_age: number | null }} TenantSettings
 * @typedef {{ tenant_id: string, members: number, projects: number, storage_bytes: number,
 *   requests: { last_minute: number, last_day: number }, quotas: TenantQuotas }} TenantUsage
 * @typedef {{ items: AuditEvent[], total: number, page: number, page_size: number, pages: number }} AuditEventPage
 * @typedef {'active' | 'archived'} ProjectStatus
 * @typedef {{ id: string, tenant_id: string, name: string, description: string, status: ProjectStatus,
 *   owner_id: string, created_at: string, updated_at: string }} Project
 * @typedef {{ items: Project[], total: number, page: number, page_size: number, pages: number }} ProjectPage
 * @typedef {'open' | 'in_progress' | 'resolved' | 'closed'} TicketStatus
 * @typedef {'low' | 'normal' | 'high' | 'urgent'} TicketPriority
 * @typedef {{ id: string, tenant_id: string, subject: string, body: string, status: TicketStatus,
 *   priority: TicketPriority, owner_id: string, created_at: string, updated_at: string }} Ticket
 * @typedef {{ items: Ticket[], total: number, page: number, page_size: number, pages: number }} TicketPage
 * @typedef {{ id: string, tenant_id: string, title: string, body: string, author_id: string, created_at: string,
 *   updated_at: string }} Post
 * @typedef {{ items: Post[], total: number, page: number, page_size: number, pages: number }} PostPage
 * @typedef {{ id: string, tenant_id: string, filename: string, content_type: string, size: number, sha256: string,
 *   scan_status: string, owner_id: string, created_at: string }} StoredFile
 * @typedef {{ items: StoredFile[], total: number, page: number, page_size: number, pages: number }} FilePage
 */

const BASE = '/api/v1';
const CSRF_COOKIE = '__Host-bastion_csrf';
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_SECONDS = 30;
/**
 * 401 answers that a new access token cannot cure: no refresh and retry for those. The credentials
 * a request carries in its body (a second factor: the retry would only spend the code again), an
 * organisation's `session_max_age` (a refresh keeps the session's start: only signing in again helps),
 * and a sensitive action's step-up (a refresh keeps the session's last authentication: only
 * re-authenticating helps, see `onReauthenticationRequired`).
 */
const NO_REFRESH_PROBLEMS = new Set(['mfa_required', 'invalid_mfa_code', 'tenant_session_too_old', 'reauthentication_required']);
/** The header naming the organisation the tenant-owned routes act in (absent: the personal one). */
const TENANT_HEADER = 'x-tenant-id';

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

/** @type {((problem: Problem) => Promise<boolean>) | null} */
let reauthenticationRequired = null;

/**
 * What to do when a sensitive action answers `401 reauthentication_required`: the page asks the
 * user to prove who they are again (`reauthenticate`) and resolves true once they did, then the
 * request is sent once more; false (they cancelled) rejects it with that problem.
 * @param {(problem: Problem) => Promise<boolean>} handler
 */
export function onReauthenticationRequired(handler) {
  reauthenticationRequired = handler;
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

/** The access token in memory (for the live feed's WebSocket), or null. */
export function currentAccessToken() {
  return accessToken;
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
 * @typedef {{ body?: unknown, form?: FormData, auth?: boolean, csrf?: boolean, retried?: boolean,
 *   steppedUp?: boolean, ifMatch?: string | null, tenant?: string | null, binary?: boolean }} RequestOptions
 *   `ifMatch`: a strong ETag for `If-Match` (a weak or missing one sends none); `tenant`: the organisation
 *   a tenant-owned route acts in (`X-Tenant-Id`; null or absent: the caller's personal one); `form`: a
 *   multipart body instead of JSON; `binary`: the answer's bytes are kept as a `Blob` (downloads)
 */

/**
 * One API call. JSON in and out; problem+json bodies become an `ApiError`.
 * @param {string} method
 * @param {string} path below /api/v1
 * @param {RequestOptions} [options]
 * @returns {Promise<unknown>}
 */
async function call(method, path, options = {}) {
  return (await send(method, path, options)).data;
}

/**
 * `call`, with the answer's headers and its body as received (for downloads).
 * @param {string} method
 * @param {string} path below /api/v1
 * @param {RequestOptions} [options]
 * @returns {Promise<{ data: unknown, text: string, blob: Blob | null, headers: Headers }>}
 */
async function send(method, path, options = {}) {
  const { body, form, auth = true, csrf = false, retried = false, steppedUp = false } = options;
  const { ifMatch = null, tenant = null, binary = false } = options;
  /** @type {Record<string, string>} */
  const headers = { accept: binary ? '*/*' : 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  // A proxy that compresses may weaken the tag; a weak tag never matches `If-Match`.
  if (ifMatch && !ifMatch.startsWith('W/')) headers['if-match'] = ifMatch;
  if (tenant) headers[TENANT_HEADER] = tenant;
  if (auth && accessToken) headers.authorization = `Bearer ${accessToken}`;
  const csrfValue = csrf ? csrfToken() : undefined;
  if (csrfValue) headers['x-csrf-token'] = csrfValue;
  /** @type {Response} */
  let response;
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      headers,
      // A multipart body sets its own content type (with the boundary).
      body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { detail: 'The server cannot be reached.' }, null);
  }
  if (response.status === 204) return { data: null, text: '', blob: null, headers: response.headers };
  if (binary && response.ok) {
    const blob = await response.blob().catch(() => null);
    if (!blob) throw new ApiError(0, { detail: 'The download was interrupted.' }, null);
    return { data: null, text: '', blob, headers: response.headers };
  }
  const text = await response.text().catch(() => '');
  /** @type {unknown} */
  let data = null;
  if (/json/.test(response.headers.get('content-type') ?? '')) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  const problem = /** @type {Problem} */ (!response.ok && data && typeof data === 'object' ? data : {});
  // A sensitive action and a sign-in that is not recent: re-authenticate, then once more.
  const stepUp = response.status === 401 && problem.code === 'reauthentication_required';
  if (stepUp && auth && accessToken && !steppedUp && reauthenticationRequired && (await reauthenticationRequired(problem))) {
    return send(method, path, { ...options, steppedUp: true });
  }
  // An access token past its lifetime (or a revoked session): one silent refresh, one retry.
  if (response.status === 401 && auth && accessToken && !retried && !NO_REFRESH_PROBLEMS.has(problem.code ?? '')) {
    if (await refresh()) return send(method, path, { ...options, retried: true });
    sessionEnded();
  }
  if (!response.ok) {
    throw new ApiError(response.status, problem, seconds(problem.retry_after) ?? seconds(response.headers.get('retry-after')));
  }
  return { data, text, blob: null, headers: response.headers };
}

/** @param {CookieTokens | AccessToken} tokens */
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
 * Sign in with a passkey (cookie mode, as `login`): its answer to `passkeySignInOptions`.
 * @param {PasskeyAssertion} response
 */
export async function loginWithPasskey(response) {
  const tokens = /** @type {CookieTokens} */ (
    await call('POST', '/auth/passkeys/authentication?cookie=1', { body: { response }, auth: false })
  );
  adopt(tokens);
}

/**
 * Request options for a passkey: to sign in with one (no argument: any passkey of this site, the
 * browser lets the user choose), or as the second factor of a password sign-in (the `mfa_token`
 * of its `mfa_required` problem, single use; the answer goes with the password to `login` as
 * `passkey_response`).
 * @param {string} [mfaToken]
 * @returns {Promise<PasskeyRequestOptions>}
 */
export async function passkeySignInOptions(mfaToken) {
  const body = mfaToken === undefined ? {} : { mfa_token: mfaToken };
  return /** @type {PasskeyRequestOptions} */ (
    await call('POST', '/auth/passkeys/authentication/options', { body, auth: false })
  );
}

/**
 * Step-up: proves who the signed-in user is again (exactly one proof), and the session counts as
 * recently authenticated; the new access token (it carries that) replaces the current one.
 * @param {Proof} proof
 */
export async function reauthenticate(proof) {
  adopt(/** @type {AccessToken} */ (await call('POST', '/auth/reauthenticate', { body: proof })));
}

/**
 * Request options for re-authenticating with one of the user's passkeys (409 `no_passkeys` without any).
 * @returns {Promise<PasskeyRequestOptions>}
 */
export async function reauthenticationOptions() {
  return /** @type {PasskeyRequestOptions} */ (await call('POST', '/auth/reauthenticate/options', { body: {} }));
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

/** @returns {Promise<Passkey[]>} the user's passkeys, oldest first */
export async function passkeys() {
  const result = /** @type {{ items: Passkey[] }} */ (await call('GET', '/auth/passkeys'));
  return result.items;
}

/** @returns {Promise<PasskeyCreationOptions>} options for the browser to make a new passkey (409 `passkey_limit`) */
export async function passkeyRegistrationOptions() {
  return /** @type {PasskeyCreationOptions} */ (await call('POST', '/auth/passkeys/registration/options', { body: {} }));
}

/**
 * Stores the passkey the browser made for `passkeyRegistrationOptions`.
 * @param {PasskeyRegistration} response
 * @param {string} [name] none: the server names it ("Passkey N")
 * @returns {Promise<Passkey>}
 */
export async function registerPasskey(response, name) {
  const body = name ? { response, name } : { response };
  return /** @type {Passkey} */ (await call('POST', '/auth/passkeys/registration', { body }));
}

/**
 * @param {string} id
 * @param {string} name
 * @returns {Promise<Passkey>}
 */
export async function renamePasskey(id, name) {
  return /** @type {Passkey} */ (await call('PATCH', `/auth/passkeys/${encodeURIComponent(id)}`, { body: { name } }));
}

/** @param {string} id */
export async function removePasskey(id) {
  await call('DELETE', `/auth/passkeys/${encodeURIComponent(id)}`);
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

/**
 * Closes the signed-in account (its password, and a second factor when MFA is on). The server
 * ends every session of the account at once, this one included: the access token is forgotten
 * and, as `logout` does, the server clears the session cookies.
 * @param {string} currentPassword
 * @param {{ totp_code?: string, recovery_code?: string }} second
 * @returns {Promise<User>} the closed account (`status: deletion_pending`, `deletion_due_at`)
 */
export async function deleteAccount(currentPassword, second) {
  const closed = /** @type {User} */ (
    await call('DELETE', '/auth/me', { body: { current_password: currentPassword, ...second } })
  );
  forget();
  try {
    // No bearer (its session is gone): the refresh cookie names the session, already revoked.
    await call('POST', '/auth/logout?cookie=1', { body: {}, auth: false, csrf: true });
  } catch {
    // The cookies only name a revoked session: the next refresh clears them anyway.
  }
  return closed;
}

/** `attachment; filename="bastion-data-2025-01-31.json"` → the name, when it is a plain one. */
const DOWNLOAD_NAME = /filename="?([A-Za-z0-9._-]{1,100})"?/;

/**
 * Everything Bastion holds about the signed-in user, as the JSON document the server sends,
 * with the file name it suggests (`bastion-data-YYYY-MM-DD.json` when it suggests none).
 * @returns {Promise<DataDownload>}
 */
export async function exportMyData() {
  const { data, text, headers } = await send('GET', '/auth/me/export');
  const suggested = DOWNLOAD_NAME.exec(headers.get('content-disposition') ?? '')?.[1];
  const filename =
    suggested && !suggested.startsWith('.') ? suggested : `bastion-data-${new Date().toISOString().slice(0, 10)}.json`;
  return { filename, text, data: /** @type {PersonalDataExport} */ (data) };
}

/**
 * Sets the password of an invited account with the token of its invitation link, and signs
 * in (cookie mode, as `login`).
 * @param {string} token
 * @param {string} password
 */
export async function acceptInvitation(token, password) {
  const tokens = /** @type {CookieTokens} */ (
    await call('POST', '/auth/invitations/accept?cookie=1', { body: { token, password }, auth: false })
  );
  adopt(tokens);
}

/**
 * The newest users first (admins), optionally those whose email or name contains `q`.
 * @param {string} q
 * @param {number} pageSize
 * @returns {Promise<UserPage>}
 */
export async function listUsers(q, pageSize) {
  const query = new URLSearchParams({ page_size: String(pageSize) });
  if (q) query.set('q', q);
  return /** @type {UserPage} */ (await call('GET', `/auth/users?${query.toString()}`));
}

/**
 * Opens an account for an address and mails it an invitation link (admins).
 * @param {{ email: string, role: 'user' | 'admin', display_name?: string }} invitation
 * @returns {Promise<User>} the invited account (`status: invited`)
 */
export async function inviteUser(invitation) {
  return /** @type {User} */ (await call('POST', '/auth/users', { body: invitation }));
}

/**
 * Changes a user's role, activation or name (admins).
 * @param {string} id
 * @param {UserChange} change
 * @returns {Promise<User>}
 */
export async function updateUser(id, change) {
  return /** @type {User} */ (await call('PATCH', `/auth/users/${encodeURIComponent(id)}`, { body: change }));
}

/**
 * Closes another user's account (admins): signed out and deactivated now, erased after the grace period.
 * @param {string} id
 * @returns {Promise<User>} the closed account (`status: deletion_pending`)
 */
export async function deleteUser(id) {
  return /** @type {User} */ (await call('DELETE', `/auth/users/${encodeURIComponent(id)}`));
}

// ---------------------------------------------------------------- tenancy (organisations)

/**
 * @param {string} path below /api/v1
 * @param {RequestOptions} [options]
 * @param {string} [method]
 * @returns {Promise<TenantVersion>}
 */
async function tenantVersion(path, options = {}, method = 'GET') {
  const { data, headers } = await send(method, path, options);
  return { tenant: /** @type {Tenant} */ (data), etag: headers.get('etag') };
}

/**
 * The caller's organisations with their role in each, the personal one first, then by name.
 * @param {number} pageSize
 * @returns {Promise<TenantPage>}
 */
export async function listTenants(pageSize) {
  return /** @type {TenantPage} */ (await call('GET', `/tenants?page_size=${pageSize}`));
}

/**
 * Creates an organisation; the caller becomes its owner.
 * @param {{ name: string, slug: string }} tenant
 * @returns {Promise<Tenant>}
 */
export async function createTenant(tenant) {
  return /** @type {Tenant} */ (await call('POST', '/tenants', { body: tenant }));
}

/**
 * One of the caller's organisations, with the ETag to send back when changing it.
 * @param {string} id
 * @returns {Promise<TenantVersion>}
 */
export async function getTenant(id) {
  return tenantVersion(`/tenants/${encodeURIComponent(id)}`);
}

/**
 * Renames an organisation (owners and admins); 412 when it changed since `etag` was read.
 * @param {string} id
 * @param {string} name
 * @param {string | null} etag
 * @returns {Promise<TenantVersion>}
 */
export async function renameTenant(id, name, etag) {
  return tenantVersion(`/tenants/${encodeURIComponent(id)}`, { body: { name }, ifMatch: etag }, 'PATCH');
}

/**
 * Deletes an organisation and its memberships (owners; never the personal one).
 * @param {string} id
 * @param {string | null} etag
 */
export async function deleteTenant(id, etag) {
  await call('DELETE', `/tenants/${encodeURIComponent(id)}`, { ifMatch: etag });
}

/**
 * An organisation's members, in the order they joined.
 * @param {string} id
 * @param {number} pageSize
 * @returns {Promise<MemberPage>}
 */
export async function listMembers(id, pageSize) {
  return /** @type {MemberPage} */ (await call('GET', `/tenants/${encodeURIComponent(id)}/members?page_size=${pageSize}`));
}

/**
 * Gives a member another role (owners: any; admins: between admin and member).
 * @param {string} id
 * @param {string} userId
 * @param {TenantRole} role
 * @returns {Promise<Member>}
 */
export async function changeMemberRole(id, userId, role) {
  const path = `/tenants/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}`;
  return /** @type {Member} */ (await call('PATCH', path, { body: { role } }));
}

/**
 * Removes a member, or leaves the organisation (the caller's own id).
 * @param {string} id
 * @param {string} userId
 */
export async function removeMember(id, userId) {
  await call('DELETE', `/tenants/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}`);
}

/**
 * Every organisation of the platform, the newest first (platform admins).
 * @param {string} q a substring of the name or the slug; empty: any
 * @param {TenantStatus | ''} status empty: any
 * @param {number} pageSize
 * @returns {Promise<AdminTenantPage>}
 */
export async function listAdminTenants(q, status, pageSize) {
  const query = new URLSearchParams({ page_size: String(pageSize) });
  if (q) query.set('q', q);
  if (status) query.set('status', status);
  return /** @type {AdminTenantPage} */ (await call('GET', `/admin/tenants?${query.toString()}`));
}

/**
 * Suspends or reactivates an organisation, or sets its quotas (platform admins).
 * @param {string} id
 * @param {AdminTenantChange} change
 * @returns {Promise<AdminTenant>}
 */
export async function updateAdminTenant(id, change) {
  return /** @type {AdminTenant} */ (await call('PATCH', `/admin/tenants/${encodeURIComponent(id)}`, { body: change }));
}

/**
 * Invites an address into an organisation (owners and admins); the address gets a one-time `#/join` link.
 * @param {string} id
 * @param {{ email: string, role: InvitationRole }} invitation
 * @returns {Promise<TenantInvitation>}
 */
export async function inviteToTenant(id, invitation) {
  return /** @type {TenantInvitation} */ (
    await call('POST', `/tenants/${encodeURIComponent(id)}/invitations`, { body: invitation })
  );
}

/**
 * An organisation's invitations, whatever their status, the newest first (owners and admins).
 * @param {string} id
 * @param {number} pageSize
 * @returns {Promise<TenantInvitationPage>}
 */
export async function listTenantInvitations(id, pageSize) {
  const path = `/tenants/${encodeURIComponent(id)}/invitations?page_size=${pageSize}`;
  return /** @type {TenantInvitationPage} */ (await call('GET', path));
}

/**
 * Revokes a pending invitation: its link stops working.
 * @param {string} id
 * @param {string} invitationId
 */
export async function revokeTenantInvitation(id, invitationId) {
  await call('DELETE', `/tenants/${encodeURIComponent(id)}/invitations/${encodeURIComponent(invitationId)}`);
}

/**
 * Joins the organisation an invitation link names (the signed-in account must have the invited address).
 * @param {string} token
 * @returns {Promise<Joined>}
 */
export async function joinTenant(token) {
  return /** @type {Joined} */ (await call('POST', '/tenants/invitations/accept', { body: { token } }));
}

/**
 * Changes an organisation's settings (owners): only the settings given change; 412 when it changed since `etag` was read.
 * @param {string} id
 * @param {Partial<TenantSettings>} settings
 * @param {string | null} etag
 * @returns {Promise<TenantVersion>}
 */
export async function updateTenantSettings(id, settings, etag) {
  return tenantVersion(`/tenants/${encodeURIComponent(id)}`, { body: { settings }, ifMatch: etag }, 'PATCH');
}

/**
 * What an organisation uses (members, projects, stored bytes, requests) and its quotas (any member).
 * @param {string} id
 * @returns {Promise<TenantUsage>}
 */
export async function tenantUsage(id) {
  return /** @type {TenantUsage} */ (await call('GET', `/tenants/${encodeURIComponent(id)}/usage`));
}

/**
 * An organisation's audit events, the newest first (its owners and admins).
 * @param {string} id
 * @param {number} pageSize
 * @returns {Promise<AuditEventPage>}
 */
export async function tenantAuditEvents(id, pageSize) {
  const path = `/tenants/${encodeURIComponent(id)}/audit/events?page_size=${pageSize}`;
  return /** @type {AuditEventPage} */ (await call('GET', path));
}

// ---------------------------------------------------------------- an organisation's data (tenant-owned routes)
//
// Each of these acts in `tenant` (sent as `X-Tenant-Id`), or in the caller's personal organisation when it is null.

/**
 * The organisation's projects, the newest first.
 * @param {string | null} tenant
 * @param {number} pageSize
 * @returns {Promise<ProjectPage>}
 */
export async function listProjects(tenant, pageSize) {
  return /** @type {ProjectPage} */ (await call('GET', `/projects?page_size=${pageSize}`, { tenant }));
}

/**
 * A new project in the organisation, owned by the caller (403 `quota_exceeded` past `max_projects`).
 * @param {string | null} tenant
 * @param {{ name: string, description?: string }} project
 * @returns {Promise<Project>}
 */
export async function createProject(tenant, project) {
  return /** @type {Project} */ (await call('POST', '/projects', { body: project, tenant }));
}

/**
 * Changes a project (yours; the organisation's owners and admins: any, else 403 `forbidden`).
 * @param {string | null} tenant
 * @param {string} id
 * @param {{ name?: string, description?: string, status?: ProjectStatus }} change
 * @returns {Promise<Project>}
 */
export async function updateProject(tenant, id, change) {
  return /** @type {Project} */ (await call('PATCH', `/projects/${encodeURIComponent(id)}`, { body: change, tenant }));
}

/**
 * Deletes a project (yours; the organisation's owners and admins: any).
 * @param {string | null} tenant
 * @param {string} id
 */
export async function deleteProject(tenant, id) {
  await call('DELETE', `/projects/${encodeURIComponent(id)}`, { tenant });
}

/**
 * The organisation's support tickets, the newest first.
 * @param {string | null} tenant
 * @param {number} pageSize
 * @returns {Promise<TicketPage>}
 */
export async function listTickets(tenant, pageSize) {
  return /** @type {TicketPage} */ (await call('GET', `/support/tickets?page_size=${pageSize}`, { tenant }));
}

/**
 * Opens a support ticket in the organisation.
 * @param {string | null} tenant
 * @param {{ subject: string, body: string, priority?: TicketPriority }} ticket
 * @returns {Promise<Ticket>}
 */
export async function createTicket(tenant, ticket) {
  return /** @type {Ticket} */ (await call('POST', '/support/tickets', { body: ticket, tenant }));
}

/**
 * The organisation's community posts, the newest first.
 * @param {string | null} tenant
 * @param {number} pageSize
 * @returns {Promise<PostPage>}
 */
export async function listPosts(tenant, pageSize) {
  return /** @type {PostPage} */ (await call('GET', `/community/posts?page_size=${pageSize}`, { tenant }));
}

/**
 * Publishes a community post in the organisation.
 * @param {string | null} tenant
 * @param {{ title: string, body: string }} post
 * @returns {Promise<Post>}
 */
export async function createPost(tenant, post) {
  return /** @type {Post} */ (await call('POST', '/community/posts', { body: post, tenant }));
}

/**
 * The organisation's files, the newest first.
 * @param {string | null} tenant
 * @param {number} pageSize
 * @returns {Promise<FilePage>}
 */
export async function listFiles(tenant, pageSize) {
  return /** @type {FilePage} */ (await call('GET', `/files?page_size=${pageSize}`, { tenant }));
}

/**
 * Uploads one file into the organisation (403 `quota_exceeded` past `max_storage_bytes`).
 * @param {string | null} tenant
 * @param {File} file
 * @returns {Promise<StoredFile>}
 */
export async function uploadFile(tenant, file) {
  const form = new FormData();
  form.append('file', file, file.name);
  return /** @type {StoredFile} */ (await call('POST', '/files', { form, tenant }));
}

/**
 * A file's bytes (any member of the organisation).
 * @param {string | null} tenant
 * @param {string} id
 * @returns {Promise<Blob>}
 */
export async function downloadFile(tenant, id) {
  const { blob } = await send('GET', `/files/${encodeURIComponent(id)}/content`, { tenant, binary: true });
  return blob ?? new Blob([]);
}

/**
 * Deletes a file, its metadata and its bytes (yours; the organisation's owners and admins: any).
 * @param {string | null} tenant
 * @param {string} id
 */
export async function deleteFile(tenant, id) {
  await call('DELETE', `/files/${encodeURIComponent(id)}`, { tenant });
}
