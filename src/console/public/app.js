/* global document, localStorage, window, Blob, HTMLElement, HTMLButtonElement, HTMLFormElement,
   HTMLInputElement, HTMLSelectElement, HTMLImageElement, HTMLOListElement, HTMLUListElement, HTMLTableSectionElement */
/**
 * Bastion account console: sign in (with the password, and a second factor — a code or a
 * passkey — when the account has one; or with a passkey alone), your sessions, two-factor
 * enrolment, your passkeys (`passkeys.js`), downloading your data and closing your account,
 * confirming who you are again before a sensitive action (`step-up.js`), accepting an invitation,
 * joining an organisation from its invitation link (`#/join`), and for admins the users (invite, role, activation, closing) and the recent audit events. Organisations (and the admins' tenants card) are in `tenancy.js`;
 * the organisation switcher and the chosen organisation's projects, tickets, posts and files in `workspace.js`; what the
 * cards share is in `ui.js`. Plain ES modules, no framework, no inline script or style (the
 * page's CSP forbids both).
 */
import * as api from './api.js';
import { followAdminFeed, followStatus } from './live.js';
import { byId, describeUserAgent, el, focus, saveBlob, show, time } from './dom.js';
import * as passkeys from './passkeys.js';
import * as stepUp from './step-up.js';
import * as tenancy from './tenancy.js';
import { announce, busy, counted, explain, onSubmit, rowButton, setError } from './ui.js';
import * as webauthn from './webauthn.js';
import * as workspace from './workspace.js';

/**
 * @typedef {import('./api.js').User} User
 * @typedef {import('./api.js').Session} Session
 * @typedef {import('./api.js').AuditEvent} AuditEvent
 * @typedef {import('./api.js').Credentials} Credentials
 */

const AUDIT_LIMIT = 200;
/** Users shown in the admin list (the newest first; a search narrows it). */
const USERS_PAGE_SIZE = 100;
const THEME_KEY = 'bastion.theme';

const $ = {
  themeToggle: byId('theme-toggle', HTMLButtonElement),
  viewLoading: byId('view-loading', HTMLElement),
  viewLogin: byId('view-login', HTMLElement),
  viewAccount: byId('view-account', HTMLElement),
  viewForgot: byId('view-forgot', HTMLElement),
  viewReset: byId('view-reset', HTMLElement),
  viewVerify: byId('view-verify', HTMLElement),
  viewInvite: byId('view-invite', HTMLElement),
  viewJoin: byId('view-join', HTMLElement),
  joinTitle: byId('join-title', HTMLElement),
  joinHelp: byId('join-help', HTMLElement),
  joinError: byId('join-error', HTMLElement),
  joinAccept: byId('join-accept', HTMLButtonElement),
  joinSignOut: byId('join-signout', HTMLButtonElement),
  joinOrgs: byId('join-orgs', HTMLButtonElement),
  joinCancel: byId('join-cancel', HTMLButtonElement),
  inviteTitle: byId('invite-title', HTMLElement),
  inviteError: byId('invite-error', HTMLElement),
  inviteForm: byId('invite-form', HTMLFormElement),
  invitePassword: byId('invite-password', HTMLInputElement),
  invitePasswordAgain: byId('invite-password-again', HTMLInputElement),
  forgotOpen: byId('forgot-open', HTMLButtonElement),
  forgotTitle: byId('forgot-title', HTMLElement),
  forgotError: byId('forgot-error', HTMLElement),
  forgotDone: byId('forgot-done', HTMLElement),
  forgotForm: byId('forgot-form', HTMLFormElement),
  forgotEmail: byId('forgot-email', HTMLInputElement),
  forgotBack: byId('forgot-back', HTMLButtonElement),
  resetTitle: byId('reset-title', HTMLElement),
  resetError: byId('reset-error', HTMLElement),
  resetForm: byId('reset-form', HTMLFormElement),
  resetPassword: byId('reset-password', HTMLInputElement),
  verifyTitle: byId('verify-title', HTMLElement),
  verifyError: byId('verify-error', HTMLElement),
  verifyDone: byId('verify-done', HTMLElement),
  verifyContinue: byId('verify-continue', HTMLButtonElement),
  emailError: byId('email-error', HTMLElement),
  emailDone: byId('email-done', HTMLElement),
  emailForm: byId('email-form', HTMLFormElement),
  emailNew: byId('email-new', HTMLInputElement),
  emailPassword: byId('email-password', HTMLInputElement),
  loginTitle: byId('login-title', HTMLElement),
  loginNotice: byId('login-notice', HTMLElement),
  loginError: byId('login-error', HTMLElement),
  loginForm: byId('login-form', HTMLFormElement),
  loginEmail: byId('login-email', HTMLInputElement),
  loginPassword: byId('login-password', HTMLInputElement),
  loginPasskeyRow: byId('login-passkey-row', HTMLElement),
  loginPasskey: byId('login-passkey', HTMLButtonElement),
  mfaForm: byId('mfa-form', HTMLFormElement),
  mfaHelp: byId('mfa-help', HTMLElement),
  mfaCode: byId('mfa-code', HTMLInputElement),
  mfaPasskey: byId('mfa-passkey', HTMLButtonElement),
  mfaCancel: byId('mfa-cancel', HTMLButtonElement),
  accountTitle: byId('account-title', HTMLElement),
  accountError: byId('account-error', HTMLElement),
  logout: byId('logout', HTMLButtonElement),
  welcome: byId('welcome', HTMLElement),
  profileEmail: byId('profile-email', HTMLElement),
  profileName: byId('profile-name', HTMLElement),
  profileRole: byId('profile-role', HTMLElement),
  profileCreated: byId('profile-created', HTMLElement),
  sessionsTitle: byId('sessions-title', HTMLElement),
  sessionsError: byId('sessions-error', HTMLElement),
  sessions: byId('sessions', HTMLUListElement),
  revokeOthers: byId('revoke-others', HTMLButtonElement),
  mfaTitle: byId('mfa-title', HTMLElement),
  mfaState: byId('mfa-state', HTMLElement),
  mfaError: byId('mfa-error', HTMLElement),
  mfaStart: byId('mfa-start', HTMLButtonElement),
  mfaEnrol: byId('mfa-enrol', HTMLElement),
  mfaQr: byId('mfa-qr', HTMLImageElement),
  mfaSecret: byId('mfa-secret', HTMLElement),
  mfaActivateForm: byId('mfa-activate-form', HTMLFormElement),
  mfaActivateCode: byId('mfa-activate-code', HTMLInputElement),
  mfaEnrolCancel: byId('mfa-enrol-cancel', HTMLButtonElement),
  mfaRecovery: byId('mfa-recovery', HTMLElement),
  recoveryTitle: byId('recovery-title', HTMLElement),
  recoveryCodes: byId('recovery-codes', HTMLOListElement),
  recoveryDone: byId('recovery-done', HTMLButtonElement),
  mfaDisableForm: byId('mfa-disable-form', HTMLFormElement),
  mfaDisablePassword: byId('mfa-disable-password', HTMLInputElement),
  mfaDisableCode: byId('mfa-disable-code', HTMLInputElement),
  exportError: byId('export-error', HTMLElement),
  exportDone: byId('export-done', HTMLElement),
  exportDownload: byId('export-download', HTMLButtonElement),
  deleteError: byId('delete-error', HTMLElement),
  deleteForm: byId('delete-form', HTMLFormElement),
  deletePassword: byId('delete-password', HTMLInputElement),
  deleteCode: byId('delete-code', HTMLInputElement),
  deleteConfirm: byId('delete-confirm', HTMLInputElement),
  adminUsers: byId('admin-users', HTMLElement),
  usersTitle: byId('users-title', HTMLElement),
  usersError: byId('users-error', HTMLElement),
  newUserForm: byId('new-user-form', HTMLFormElement),
  newUserError: byId('new-user-error', HTMLElement),
  newUserDone: byId('new-user-done', HTMLElement),
  newUserEmail: byId('new-user-email', HTMLInputElement),
  newUserRole: byId('new-user-role', HTMLSelectElement),
  newUserName: byId('new-user-name', HTMLInputElement),
  usersSearchForm: byId('users-search-form', HTMLFormElement),
  usersQuery: byId('users-q', HTMLInputElement),
  usersCount: byId('users-count', HTMLElement),
  userDelete: byId('user-delete', HTMLElement),
  userDeleteText: byId('user-delete-text', HTMLElement),
  userDeleteConfirm: byId('user-delete-confirm', HTMLButtonElement),
  userDeleteCancel: byId('user-delete-cancel', HTMLButtonElement),
  usersRows: byId('users-rows', HTMLTableSectionElement),
  admin: byId('admin', HTMLElement),
  auditError: byId('audit-error', HTMLElement),
  auditType: byId('audit-type', HTMLSelectElement),
  auditReload: byId('audit-reload', HTMLButtonElement),
  auditCount: byId('audit-count', HTMLElement),
  auditLive: byId('audit-live', HTMLElement),
  auditRows: byId('audit-rows', HTMLTableSectionElement),
};

/** @type {User | null} */
let user = null;
/** Whether the account has MFA on: known after a login (or an enrolment), unknown after a reload. */
/** @type {boolean | null} */
let mfaEnabled = null;
/** Email and password between the two steps of an MFA login (memory only). */
/** @type {Credentials | null} */
let pending = null;
/**
 * The `mfa_token` of the last `mfa_required` answer (single use: a passkey challenge for the
 * second step), until it is used; when it is, the password step runs again for a new one.
 * @type {string | null}
 */
let mfaToken = null;
/** @type {AuditEvent[]} */
let auditEvents = [];
/** The admins' live feed (audit events, user-status changes) while an admin is signed in. */
/** @type {{ stop: () => void } | null} */
let adminFeed = null;
/** @type {number | undefined} */
let usersReload;
/** The user an admin asked to delete, until they confirm or cancel. */
/** @type {User | null} */
let userToDelete = null;

const JOIN_SIGN_IN = 'Sign in (or register with the invited address) to join the organisation that invited you.';

/**
 * The token of an organisation's invitation link, in memory only, from the link until the join
 * is done, the link turns out dead, or the user says "Not now"; it survives signing in and out
 * (signing in with the invited address is the point).
 * @type {string | null}
 */
let joinToken = null;

// ---------------------------------------------------------------- theme

const systemDark = window.matchMedia('(prefers-color-scheme: dark)');

function effectiveTheme() {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === 'dark' || chosen === 'light') return chosen;
  return systemDark.matches ? 'dark' : 'light';
}

function renderThemeToggle() {
  $.themeToggle.setAttribute('aria-pressed', String(effectiveTheme() === 'dark'));
}

$.themeToggle.addEventListener('click', () => {
  const next = effectiveTheme() === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  try {
    localStorage.setItem(THEME_KEY, next);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
  renderThemeToggle();
});
systemDark.addEventListener('change', renderThemeToggle);

// ---------------------------------------------------------------- views

/** @param {'loading' | 'login' | 'account' | 'forgot' | 'reset' | 'verify' | 'invite' | 'join'} name */
function view(name) {
  show(name === 'loading', $.viewLoading);
  show(name === 'login', $.viewLogin);
  show(name === 'account', $.viewAccount);
  show(name === 'forgot', $.viewForgot);
  show(name === 'reset', $.viewReset);
  show(name === 'verify', $.viewVerify);
  show(name === 'invite', $.viewInvite);
  show(name === 'join', $.viewJoin);
}

/** Forgets everything shown for the last account (secrets first). */
function clearAccount() {
  user = null;
  stepUp.dismiss();
  passkeys.clearPasskeys();
  tenancy.clearTenancy();
  workspace.clearWorkspace();
  mfaEnabled = null;
  auditEvents = [];
  adminFeed?.stop();
  adminFeed = null;
  $.auditLive.textContent = '';
  userToDelete = null;
  show(false, $.userDelete);
  $.usersRows.replaceChildren();
  $.usersCount.textContent = '';
  $.recoveryCodes.replaceChildren();
  $.mfaSecret.textContent = '';
  $.mfaQr.removeAttribute('src');
  show(false, $.mfaEnrol, $.mfaRecovery);
  $.sessions.replaceChildren();
  $.auditRows.replaceChildren();
  const inputs = [$.mfaActivateCode, $.mfaDisablePassword, $.mfaDisableCode, $.emailNew, $.emailPassword];
  inputs.push($.deletePassword, $.deleteCode, $.newUserEmail, $.newUserName, $.usersQuery);
  for (const input of inputs) input.value = '';
  $.deleteConfirm.checked = false;
  $.newUserRole.value = 'user';
  const regions = [$.accountError, $.sessionsError, $.mfaError, $.auditError, $.emailError];
  regions.push($.exportError, $.deleteError, $.usersError, $.newUserError);
  for (const region of regions) setError(region, '');
  for (const done of [$.emailDone, $.exportDone, $.newUserDone]) done.textContent = '';
}

/**
 * @param {string} [message] why the user is asked to sign in (shown as an alert)
 * @param {boolean} [moveFocus] after a view change; not on the first load, where the reader starts at the top
 * @param {string} [notice] news that is not an error (an account just closed)
 */
function showLogin(message = '', moveFocus = true, notice = '') {
  pending = null;
  mfaToken = null;
  $.loginNotice.textContent = notice || (joinToken ? JOIN_SIGN_IN : '');
  $.loginPassword.value = '';
  $.mfaCode.value = '';
  show(true, $.loginForm);
  show(webauthn.supported(), $.loginPasskeyRow);
  show(false, $.mfaForm);
  setError($.loginError, message);
  view('login');
  if (moveFocus) focus($.loginTitle);
}

api.onReauthenticationRequired(stepUp.prompt);
stepUp.init(() => ({ code: mfaEnabled !== false, passkey: passkeys.count() !== 0 }));

api.onSessionEnded(() => {
  if (!user) return;
  clearAccount();
  showLogin('Your session has ended. Sign in again.');
});

// ---------------------------------------------------------------- sign in

const MFA_HELP =
  'This account uses two-factor authentication. Enter the 6-digit code from your authenticator app, or one of your recovery codes.';
const MFA_HELP_PASSKEY =
  'This account uses two-factor authentication. Enter the 6-digit code from your authenticator app or one of your recovery codes, or use a passkey.';

/**
 * The second step of a sign-in: the code field, and a passkey when the account has one.
 * @param {Credentials} credentials the email and password, right
 * @param {import('./api.js').Problem} problem the `mfa_required` answer
 */
function askForSecondFactor(credentials, problem) {
  pending = { email: credentials.email, password: credentials.password };
  mfaToken = typeof problem.mfa_token === 'string' ? problem.mfa_token : null;
  const passkey = (problem.methods ?? []).includes('passkey') && mfaToken !== null && webauthn.supported();
  $.mfaHelp.textContent = passkey ? MFA_HELP_PASSKEY : MFA_HELP;
  show(passkey, $.mfaPasskey);
  show(false, $.loginForm, $.loginPasskeyRow);
  show(true, $.mfaForm);
  $.mfaCode.value = '';
  announce(passkey ? 'Enter your authentication code, or use a passkey.' : 'Enter your authentication code.');
  $.mfaCode.focus();
}

/**
 * Signed in: to the account page.
 * @param {boolean | null} secondFactor whether the sign-in took a second factor (null: not known, a passkey alone)
 */
async function signedIn(secondFactor) {
  mfaEnabled = secondFactor;
  pending = null;
  mfaToken = null;
  $.loginPassword.value = '';
  $.mfaCode.value = '';
  await showAccount(true);
}

/** @param {Credentials} credentials */
async function signIn(credentials) {
  setError($.loginError, '');
  try {
    await api.login(credentials);
  } catch (error) {
    if (error instanceof api.ApiError && error.code === 'mfa_required') {
      askForSecondFactor(credentials, error.problem);
      return;
    }
    setError($.loginError, explain(error));
    (pending ? $.mfaCode : $.loginPassword).select();
    return;
  }
  await signedIn(pending !== null);
}

onSubmit($.loginForm, () => signIn({ email: $.loginEmail.value.trim(), password: $.loginPassword.value }));

onSubmit($.mfaForm, async () => {
  if (!pending) return showLogin();
  const code = $.mfaCode.value.replace(/\s+/g, '');
  await signIn(/^\d{6}$/.test(code) ? { ...pending, totp_code: code } : { ...pending, recovery_code: code });
});

$.mfaCancel.addEventListener('click', () => showLogin());

/**
 * A new `mfa_token` (each is single use): the password step again. Null when that signed in
 * without a second factor after all (two-factor authentication was turned off meanwhile).
 * @param {Credentials} credentials
 * @returns {Promise<string | null>}
 */
async function freshMfaToken(credentials) {
  try {
    await api.login({ email: credentials.email, password: credentials.password });
  } catch (error) {
    if (error instanceof api.ApiError && error.code === 'mfa_required' && typeof error.problem.mfa_token === 'string') {
      return error.problem.mfa_token;
    }
    throw error;
  }
  return null;
}

// A passkey as the second step: its challenge is bound to the account by the `mfa_token`; its
// answer goes with the email and password to the token endpoint, as a code would.
$.mfaPasskey.addEventListener('click', () => {
  void busy($.mfaPasskey, async () => {
    const credentials = pending;
    if (!credentials) return showLogin();
    setError($.loginError, '');
    try {
      const token = mfaToken ?? (await freshMfaToken(credentials));
      mfaToken = null;
      if (token === null) return await signedIn(false);
      const response = await webauthn.get(await api.passkeySignInOptions(token));
      await api.login({ ...credentials, passkey_response: response });
    } catch (error) {
      setError(
        $.loginError,
        error instanceof api.ApiError && error.code === 'invalid_mfa_code'
          ? 'The passkey could not be verified. Try again, or enter a code.'
          : explain(error),
      );
      return;
    }
    await signedIn(true);
  });
});

// A passkey alone: a discoverable credential names its account, and its user verification
// (fingerprint, face, PIN) stands for the second factor.
$.loginPasskey.addEventListener('click', () => {
  void busy($.loginPasskey, async () => {
    setError($.loginError, '');
    try {
      await api.loginWithPasskey(await webauthn.get(await api.passkeySignInOptions()));
    } catch (error) {
      setError(
        $.loginError,
        error instanceof api.ApiError && error.code === 'invalid_credentials'
          ? 'This passkey could not be verified, or it no longer belongs to an account. Sign in with your password.'
          : explain(error),
      );
      return;
    }
    await signedIn(null);
  });
});

// ---------------------------------------------------------------- links from mail

/**
 * The token of a link for this page (`#/reset?token=…`), then out of the address bar and the history.
 * @param {'reset' | 'verify' | 'confirm-email' | 'invite' | 'join'} page
 * @returns {string | null}
 */
function linkToken(page) {
  const match = new RegExp(`^#/${page}\\?token=([A-Za-z0-9_-]{1,200})$`).exec(window.location.hash);
  if (!match) return null;
  window.history.replaceState(null, '', window.location.pathname);
  return match[1];
}

$.forgotOpen.addEventListener('click', () => {
  $.forgotEmail.value = $.loginEmail.value.trim();
  setError($.forgotError, '');
  $.forgotDone.textContent = '';
  view('forgot');
  focus($.forgotTitle);
});
$.forgotBack.addEventListener('click', () => showLogin());

onSubmit($.forgotForm, async () => {
  setError($.forgotError, '');
  try {
    await api.forgotPassword($.forgotEmail.value.trim());
  } catch (error) {
    setError($.forgotError, explain(error));
    return;
  }
  $.forgotDone.textContent = 'If the address belongs to an account, a message with a link is on its way. Check your inbox.';
  announce('Link requested.');
});

/** @type {string | null} */
let resetToken = null;

onSubmit($.resetForm, async () => {
  if (!resetToken) return showLogin();
  setError($.resetError, '');
  try {
    await api.resetPassword(resetToken, $.resetPassword.value);
  } catch (error) {
    setError($.resetError, explain(error));
    if (error instanceof api.ApiError && error.code === 'invalid_token') resetToken = null;
    return;
  }
  resetToken = null;
  $.resetPassword.value = '';
  showLogin();
  announce('Password changed. Sign in with the new password.');
});

/**
 * @param {string} token
 * @param {(token: string) => Promise<User>} confirm verifies the address, or confirms a new one
 */
async function verifyFromLink(token, confirm) {
  setError($.verifyError, '');
  $.verifyDone.textContent = '';
  view('verify');
  focus($.verifyTitle);
  try {
    const verified = await confirm(token);
    $.verifyDone.textContent = `${verified.email} is confirmed.`;
    announce('Address confirmed.');
  } catch (error) {
    setError($.verifyError, explain(error));
  }
}

$.verifyContinue.addEventListener('click', () => showLogin());

/** @type {string | null} */
let inviteToken = null;

onSubmit($.inviteForm, async () => {
  if (!inviteToken) return showLogin();
  setError($.inviteError, '');
  if ($.invitePassword.value !== $.invitePasswordAgain.value) {
    setError($.inviteError, 'The two passwords differ. Type the same password twice.');
    $.invitePasswordAgain.select();
    return;
  }
  try {
    await api.acceptInvitation(inviteToken, $.invitePassword.value);
  } catch (error) {
    if (error instanceof api.ApiError && error.code === 'invalid_token') {
      inviteToken = null;
      setError($.inviteError, 'This invitation link is invalid or has expired; ask your administrator for a new one.');
      return;
    }
    setError($.inviteError, explain(error));
    $.invitePassword.select();
    return;
  }
  inviteToken = null;
  $.invitePassword.value = '';
  $.invitePasswordAgain.value = '';
  clearAccount(); // whoever was signed in in this browser before
  mfaEnabled = false;
  await showAccount(true);
});

// ---------------------------------------------------------------- joining an organisation (`#/join?token=…`)

/** The join step, for the signed-in user. */
function showJoin() {
  if (!user) return;
  setError($.joinError, '');
  $.joinHelp.textContent = `You are signed in as ${user.email}. Join the organisation this invitation is for?`;
  show(true, $.joinAccept);
  show(false, $.joinSignOut, $.joinOrgs);
  view('join');
  focus($.joinTitle);
}

/** Leaves the join page for the account (the link is forgotten). */
function leaveJoin() {
  joinToken = null;
  view('account');
  focus($.accountTitle);
}

$.joinAccept.addEventListener('click', () => {
  void busy($.joinAccept, async () => {
    const token = joinToken;
    if (!token || !user) return showLogin();
    setError($.joinError, '');
    let joined;
    try {
      joined = await api.joinTenant(token);
    } catch (error) {
      const code = error instanceof api.ApiError ? error.code : '';
      if (code === 'invalid_token') {
        joinToken = null;
        show(false, $.joinAccept);
        setError($.joinError, 'This invitation link is invalid or has expired; ask for a new one.');
      } else if (code === 'invitation_email_mismatch') {
        show(true, $.joinSignOut);
        setError($.joinError, 'This invitation was sent to another address: sign in with that address.');
      } else if (code === 'already_member') {
        joinToken = null;
        show(false, $.joinAccept);
        show(true, $.joinOrgs);
        setError($.joinError, 'You are already a member of this organisation.');
      } else if (code === 'quota_exceeded') {
        setError(
          $.joinError,
          'This organisation has no room for another member: ask its owners to make room (or a platform administrator to raise its limit), then try again.',
        );
      } else if (code === 'tenant_suspended') {
        setError($.joinError, 'This organisation is suspended: nobody can join it for now. Try again once it is active.');
      } else {
        setError($.joinError, explain(error));
      }
      return;
    }
    joinToken = null;
    view('account');
    await tenancy.showJoined(joined.tenant_id);
    announce(`You joined ${joined.tenant.name}.`);
  });
});

$.joinSignOut.addEventListener('click', () => void busy($.joinSignOut, signOut));
$.joinOrgs.addEventListener('click', leaveJoin);
$.joinCancel.addEventListener('click', leaveJoin);

onSubmit($.emailForm, async () => {
  setError($.emailError, '');
  $.emailDone.textContent = '';
  try {
    await api.requestEmailChange($.emailNew.value.trim(), $.emailPassword.value);
  } catch (error) {
    setError($.emailError, explain(error));
    return;
  }
  $.emailPassword.value = '';
  $.emailDone.textContent = `If ${$.emailNew.value.trim()} can be used, a link is on its way to it. Follow it to finish.`;
  announce('Confirmation link requested.');
});

// ---------------------------------------------------------------- account

/** @param {boolean} justSignedIn */
async function showAccount(justSignedIn) {
  try {
    user = await api.me();
  } catch (error) {
    showLogin(explain(error));
    return;
  }
  $.welcome.textContent = `You are signed in as ${user.email}.`;
  $.profileEmail.textContent = user.email;
  $.profileName.textContent = user.display_name ?? '—';
  $.profileRole.textContent = user.role === 'admin' ? 'Administrator' : 'User';
  $.profileCreated.replaceChildren(time(user.created_at));
  renderMfa();
  show(user.role === 'admin', $.admin, $.adminUsers);
  if (joinToken) {
    showJoin();
  } else {
    view('account');
    focus($.accountTitle);
  }
  if (justSignedIn) announce('Signed in.');
  const admin = user.role === 'admin';
  workspace.showWorkspace(user); // its lists follow the organisations, which the organisations card reads
  await Promise.all([
    loadSessions(),
    passkeys.showPasskeys(),
    tenancy.showTenancy(user),
    admin ? loadUsers() : Promise.resolve(),
    admin ? loadAudit() : Promise.resolve(),
  ]);
}

async function signOut() {
  let failure = '';
  try {
    await api.logout();
  } catch (error) {
    failure = `Signed out here, but the server did not confirm: ${explain(error)}`;
  }
  clearAccount();
  showLogin(failure);
  if (!failure) announce('You are signed out.');
}

$.logout.addEventListener('click', () => void busy($.logout, signOut));

/**
 * Ends this session and asks for a new sign-in (an organisation that accepts only recent
 * sign-ins: refreshing keeps the session's start, so only a new session helps).
 * @param {string} notice why, on the sign-in page
 */
async function signInAgain(notice) {
  const email = user?.email ?? '';
  try {
    await api.logout();
  } catch {
    // Signed out here in any case; the old session ends with its refresh token's lifetime.
  }
  clearAccount();
  showLogin('', true, notice);
  $.loginEmail.value = email;
}

// The organisations card tells the workspace (and its switcher) which organisations there are.
tenancy.onTenantsLoaded(workspace.tenantsChanged);
workspace.init({
  signInAgain,
  showMfa: () => {
    focus($.mfaTitle);
    announce('Two-factor authentication: set up an authenticator app here.');
  },
});

// ---------------------------------------------------------------- sessions

async function loadSessions() {
  setError($.sessionsError, '');
  try {
    const page = await api.sessions();
    $.sessions.replaceChildren(...page.items.map(sessionItem));
    $.revokeOthers.disabled = page.items.every((s) => s.is_current);
  } catch (error) {
    setError($.sessionsError, explain(error));
  }
}

/** @param {Session} session */
function sessionItem(session) {
  const name = describeUserAgent(session.user_agent);
  const title = el('div', { className: 'session-name' }, [el('strong', { text: name })]);
  if (session.is_current) title.append(el('span', { className: 'badge', text: 'This browser' }));
  const meta = el('div', { className: 'session-meta' }, [
    'Signed in ',
    time(session.created_at),
    ' · last active ',
    time(session.last_used_at),
    session.ip ? ` · IP ${session.ip}` : '',
  ]);
  const item = el('li', { className: 'session', attrs: { 'data-session-id': session.id } }, [
    el('div', { className: 'session-text' }, [title, meta]),
  ]);
  if (!session.is_current) {
    const button = el('button', {
      className: 'secondary',
      text: 'Revoke',
      attrs: {
        type: 'button',
        'aria-label': `Revoke the session of ${name}, signed in ${new Date(session.created_at).toLocaleString()}`,
      },
    });
    button.addEventListener('click', () => {
      void busy(button, async () => {
        try {
          await api.revokeSession(session.id);
        } catch (error) {
          setError($.sessionsError, explain(error));
          return;
        }
        await loadSessions();
        announce(`Revoked the session of ${name}.`);
        focus($.sessionsTitle);
      });
    });
    item.append(button);
  }
  return item;
}

$.revokeOthers.addEventListener('click', () => {
  void busy($.revokeOthers, async () => {
    setError($.sessionsError, '');
    let revoked;
    try {
      revoked = await api.revokeOtherSessions();
    } catch (error) {
      setError($.sessionsError, explain(error));
      return;
    }
    await loadSessions(); // the list first, then the announcement
    announce(revoked === 0 ? 'There were no other sessions.' : `Signed out ${revoked} other session${revoked === 1 ? '' : 's'}.`);
  });
});

// ---------------------------------------------------------------- two-factor authentication

function renderMfa() {
  const enrolling = !$.mfaEnrol.hidden;
  const showingCodes = !$.mfaRecovery.hidden;
  $.mfaState.textContent =
    mfaEnabled === true
      ? 'Two-factor authentication is on: signing in needs a code from your authenticator app.'
      : mfaEnabled === false
        ? 'Two-factor authentication is off. Turn it on so that a stolen password is not enough to sign in.'
        : 'Add a code from an authenticator app as a second sign-in step.';
  show(mfaEnabled !== true && !enrolling && !showingCodes, $.mfaStart);
  show(mfaEnabled === true && !showingCodes, $.mfaDisableForm);
}

$.mfaStart.addEventListener('click', () => {
  void busy($.mfaStart, async () => {
    setError($.mfaError, '');
    try {
      const enrolment = await api.enrollTotp();
      // The QR code is SVG markup from the server: shown as an image (a data: URL), where
      // no script can run, never inserted as markup.
      $.mfaQr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qr_svg)}`;
      $.mfaSecret.textContent = enrolment.secret;
    } catch (error) {
      if (error instanceof api.ApiError && error.code === 'mfa_already_enabled') {
        mfaEnabled = true;
        renderMfa();
        announce('Two-factor authentication is already on.');
        return;
      }
      setError($.mfaError, explain(error));
      return;
    }
    show(true, $.mfaEnrol);
    renderMfa();
    $.mfaActivateCode.focus();
  });
});

$.mfaEnrolCancel.addEventListener('click', () => {
  $.mfaSecret.textContent = '';
  $.mfaQr.removeAttribute('src');
  $.mfaActivateCode.value = '';
  show(false, $.mfaEnrol);
  renderMfa();
  $.mfaStart.focus();
});

onSubmit($.mfaActivateForm, async () => {
  setError($.mfaError, '');
  let codes;
  try {
    codes = await api.activateTotp($.mfaActivateCode.value.trim());
  } catch (error) {
    setError($.mfaError, explain(error));
    $.mfaActivateCode.select();
    return;
  }
  mfaEnabled = true;
  $.mfaActivateCode.value = '';
  $.mfaSecret.textContent = '';
  $.mfaQr.removeAttribute('src');
  show(false, $.mfaEnrol);
  $.recoveryCodes.replaceChildren(...codes.map((code) => el('li', { text: code })));
  show(true, $.mfaRecovery);
  renderMfa();
  announce('Two-factor authentication is on.');
  focus($.recoveryTitle);
  // An organisation that requires it opens now.
  await Promise.all([workspace.mfaChanged(), tenancy.mfaChanged()]);
});

$.recoveryDone.addEventListener('click', () => {
  $.recoveryCodes.replaceChildren();
  show(false, $.mfaRecovery);
  renderMfa();
  focus($.mfaTitle);
});

onSubmit($.mfaDisableForm, async () => {
  setError($.mfaError, '');
  const code = $.mfaDisableCode.value.replace(/\s+/g, '');
  try {
    await api.disableTotp($.mfaDisablePassword.value, /^\d{6}$/.test(code) ? { code } : { recovery_code: code });
  } catch (error) {
    setError($.mfaError, explain(error));
    return;
  }
  mfaEnabled = false;
  $.mfaDisablePassword.value = '';
  $.mfaDisableCode.value = '';
  renderMfa();
  announce('Two-factor authentication is off.');
  focus($.mfaTitle);
});

// ---------------------------------------------------------------- download my data

/**
 * How many entries a section of the export holds.
 * @param {import('./api.js').PersonalDataExport} data
 * @param {string} section
 */
function countOf(data, section) {
  const value = data[section];
  return Array.isArray(value) ? value.length : 0;
}

/**
 * Hands the browser the export to save.
 * @param {string} filename
 * @param {string} text
 */
function saveFile(filename, text) {
  saveBlob(filename, new Blob([text], { type: 'application/json' }));
}

$.exportDownload.addEventListener('click', () => {
  void busy($.exportDownload, async () => {
    setError($.exportError, '');
    $.exportDone.textContent = '';
    let download;
    try {
      download = await api.exportMyData();
    } catch (error) {
      setError($.exportError, explain(error));
      return;
    }
    saveFile(download.filename, download.text);
    const { data } = download;
    const parts = [
      counted(countOf(data, 'files'), 'file'),
      counted(countOf(data, 'projects'), 'project'),
      counted(countOf(data, 'sessions'), 'session'),
      counted(countOf(data, 'api_keys'), 'API key'),
      counted(countOf(data, 'notifications'), 'message'),
      counted(countOf(data, 'audit_events'), 'security event'),
    ];
    $.exportDone.textContent = `Saved ${download.filename}: ${parts.join(', ')}.`;
    announce('Your data is downloaded.');
  });
});

// ---------------------------------------------------------------- delete my account

/** @param {string | null} iso */
function dateOf(iso) {
  return iso ? new Date(iso).toLocaleString() : 'the end of the grace period';
}

onSubmit($.deleteForm, async () => {
  setError($.deleteError, '');
  if (!$.deleteConfirm.checked) {
    setError($.deleteError, 'Tick the box to confirm that you want to delete your account.');
    $.deleteConfirm.focus();
    return;
  }
  const code = $.deleteCode.value.replace(/\s+/g, '');
  const second = !code ? {} : /^\d{6}$/.test(code) ? { totp_code: code } : { recovery_code: code };
  let closed;
  try {
    closed = await api.deleteAccount($.deletePassword.value, second);
  } catch (error) {
    setError($.deleteError, explain(error));
    if (error instanceof api.ApiError && (error.code === 'mfa_required' || error.code === 'invalid_mfa_code')) {
      $.deleteCode.focus();
      $.deleteCode.select();
    } else if (error instanceof api.ApiError && error.code === 'invalid_current_password') {
      $.deletePassword.select();
    }
    return;
  }
  // Every session of the account is over (the server ended them): forget this one's account too.
  clearAccount();
  showLogin(
    '',
    true,
    `Your account is closed and will be erased on ${dateOf(closed.deletion_due_at)}. ` +
      'Signing in again before then cancels the deletion.',
  );
  announce('Your account is closed and you are signed out.');
});

// ---------------------------------------------------------------- users (admins)

/** @type {Record<import('./api.js').AccountStatus, string>} */
const STATUS_TEXT = {
  invited: 'Invited',
  active: 'Active',
  inactive: 'Inactive',
  deletion_pending: 'Deletion pending',
  erased: 'Erased',
};

/** @param {'user' | 'admin'} role */
function roleText(role) {
  return role === 'admin' ? 'Administrator' : 'User';
}

async function loadUsers() {
  setError($.usersError, '');
  const q = $.usersQuery.value.trim();
  let page;
  try {
    page = await api.listUsers(q, USERS_PAGE_SIZE);
  } catch (error) {
    setError($.usersError, explain(error));
    return;
  }
  $.usersRows.replaceChildren(...page.items.map(userRow));
  const what = q ? `matching “${q}”` : 'in all';
  $.usersCount.textContent =
    page.total > page.items.length
      ? `The newest ${page.items.length} of ${page.total} users ${what}. Search to narrow the list.`
      : `${counted(page.total, 'user')} ${what}.`;
}

/** @param {User} row */
function userRow(row) {
  const self = user !== null && row.id === user.id;
  const who = el('td', { className: 'who' }, [el('span', { text: row.email })]);
  if (self) who.append(el('span', { className: 'badge', text: 'You' }));
  if (row.display_name) who.append(el('br'), el('span', { className: 'meta', text: row.display_name }));
  const status = el('td', {}, [STATUS_TEXT[row.status] ?? row.status]);
  if (row.status === 'deletion_pending' && row.deletion_due_at) {
    status.append(el('br'), el('span', { className: 'meta' }, ['erased ', time(row.deletion_due_at)]));
  }
  const actions = el('div', { className: 'row-actions' });
  const open = row.status !== 'deletion_pending' && row.status !== 'erased';
  if (open && !self) {
    const nextRole = row.role === 'admin' ? 'user' : 'admin';
    actions.append(
      rowButton(
        nextRole === 'admin' ? 'Make admin' : 'Make user',
        nextRole === 'admin' ? `Make ${row.email} an administrator` : `Make ${row.email} a user (not an administrator)`,
        () => changeUser(row, { role: nextRole }, `${row.email} is now ${nextRole === 'admin' ? 'an administrator' : 'a user'}.`),
      ),
    );
    if (row.status !== 'invited') {
      actions.append(
        row.is_active
          ? rowButton('Deactivate', `Deactivate ${row.email}`, () =>
              changeUser(row, { is_active: false }, `${row.email} is deactivated and signed out.`),
            )
          : rowButton('Activate', `Activate ${row.email}`, () => changeUser(row, { is_active: true }, `${row.email} is active.`)),
      );
    }
    actions.append(rowButton('Delete…', `Delete ${row.email}`, () => Promise.resolve(askToDelete(row)), 'secondary danger-text'));
  }
  return el('tr', { attrs: { 'data-user-id': row.id, 'data-status': row.status, 'data-role': row.role } }, [
    who,
    el('td', { text: roleText(row.role) }),
    status,
    el('td', {}, [time(row.last_login_at)]),
    el('td', {}, [actions]),
  ]);
}

/**
 * @param {User} row
 * @param {import('./api.js').UserChange} change
 * @param {string} done what to announce after
 */
async function changeUser(row, change, done) {
  setError($.usersError, '');
  try {
    await api.updateUser(row.id, change);
  } catch (error) {
    setError($.usersError, `${row.email}: ${explain(error)}`);
    return;
  }
  await loadUsers();
  announce(done);
  focus($.usersTitle);
}

/** @param {User} row */
function askToDelete(row) {
  setError($.usersError, '');
  userToDelete = row;
  $.userDeleteText.textContent =
    `Delete ${row.email}? The account is deactivated and signed out at once, and erased after the grace period; ` +
    'signing in does not cancel a deletion by an administrator.';
  show(true, $.userDelete);
  $.userDeleteConfirm.focus();
}

$.userDeleteCancel.addEventListener('click', () => {
  userToDelete = null;
  show(false, $.userDelete);
  focus($.usersTitle);
});

$.userDeleteConfirm.addEventListener('click', () => {
  void busy($.userDeleteConfirm, async () => {
    const row = userToDelete;
    if (!row) return;
    setError($.usersError, '');
    let closed;
    try {
      closed = await api.deleteUser(row.id);
    } catch (error) {
      setError($.usersError, `${row.email}: ${explain(error)}`);
      return;
    }
    userToDelete = null;
    show(false, $.userDelete);
    await loadUsers();
    announce(`${row.email} is closed and will be erased on ${dateOf(closed.deletion_due_at)}.`);
    focus($.usersTitle);
  });
});

onSubmit($.newUserForm, async () => {
  setError($.newUserError, '');
  $.newUserDone.textContent = '';
  const email = $.newUserEmail.value.trim();
  const name = $.newUserName.value.trim();
  const role = $.newUserRole.value === 'admin' ? 'admin' : 'user';
  let invited;
  try {
    invited = await api.inviteUser(name ? { email, role, display_name: name } : { email, role });
  } catch (error) {
    setError($.newUserError, explain(error));
    $.newUserEmail.select();
    return;
  }
  $.newUserEmail.value = '';
  $.newUserName.value = '';
  $.newUserRole.value = 'user';
  $.newUserDone.textContent = `Invitation sent to ${invited.email} (${roleText(invited.role).toLowerCase()}).`;
  announce('Invitation sent.');
  await loadUsers();
});

onSubmit($.usersSearchForm, loadUsers);

// ---------------------------------------------------------------- audit log (admins)

async function loadAudit() {
  setError($.auditError, '');
  try {
    auditEvents = (await api.auditTail(AUDIT_LIMIT)).reverse();
  } catch (error) {
    setError($.auditError, explain(error));
    return;
  }
  const selected = $.auditType.value;
  const types = [...new Set(auditEvents.map((e) => e.type))].sort();
  $.auditType.replaceChildren(
    el('option', { text: 'All types', attrs: { value: '' } }),
    ...types.map((type) => el('option', { text: type, attrs: { value: type } })),
  );
  $.auditType.value = types.includes(selected) ? selected : '';
  renderAudit();
  followAudit();
}

/**
 * Keeps the audit table (and the user list) live: new events arrive over the admin WebSocket
 * from the last one shown; a user's status change reloads the list.
 */
function followAudit() {
  adminFeed?.stop();
  adminFeed = followAdminFeed(
    {
      token: api.currentAccessToken,
      refresh: api.refresh,
      onAudit: (event) => {
        const shown = /** @type {AuditEvent} */ (/** @type {unknown} */ (event));
        if (auditEvents.some((e) => e.seq === shown.seq)) return;
        auditEvents = [shown, ...auditEvents].slice(0, AUDIT_LIMIT);
        const types = new Set([...$.auditType.options].map((o) => o.value));
        if (!types.has(shown.type)) $.auditType.append(el('option', { text: shown.type, attrs: { value: shown.type } }));
        renderAudit();
      },
      onUserStatus: () => {
        window.clearTimeout(usersReload);
        usersReload = window.setTimeout(() => void loadUsers(), 300);
      },
      onState: (state) => {
        $.auditLive.textContent =
          state === 'live' ? 'Live: new events appear here.' : state === 'reconnecting' ? 'Reconnecting…' : '';
      },
    },
    auditEvents[0]?.seq ?? null,
  );
}

function renderAudit() {
  const type = $.auditType.value;
  const rows = auditEvents.filter((e) => !type || e.type === type);
  $.auditRows.replaceChildren(
    ...rows.map((e) =>
      el('tr', { attrs: { 'data-type': e.type } }, [
        el('td', {}, [time(e.occurred_at)]),
        el('td', { text: e.type }),
        el('td', { text: e.outcome }),
        el('td', { className: 'mono', text: e.actor_id ?? 'system' }),
        el('td', { text: e.actor_ip ?? '—' }),
      ]),
    ),
  );
  $.auditCount.textContent = type
    ? `${rows.length} of the last ${auditEvents.length} events are ${type}.`
    : `The last ${auditEvents.length} events.`;
}

$.auditType.addEventListener('change', renderAudit);
$.auditReload.addEventListener('click', () => void busy($.auditReload, loadAudit));

// ---------------------------------------------------------------- start

/**
 * Opens the page a mail link names (`#/verify?token=…`, `#/reset?token=…`, `#/invite?token=…`, `#/join?token=…`);
 * false when the address is not such a link. Also on `hashchange`: a link pasted into an open console.
 */
function openLink() {
  const verifyToken = linkToken('verify');
  if (verifyToken) {
    void verifyFromLink(verifyToken, api.verifyEmail);
    return true;
  }
  const changeToken = linkToken('confirm-email');
  if (changeToken) {
    void verifyFromLink(changeToken, api.confirmEmailChange);
    return true;
  }
  const invitation = linkToken('invite');
  if (invitation) {
    inviteToken = invitation;
    setError($.inviteError, '');
    $.invitePassword.value = '';
    $.invitePasswordAgain.value = '';
    view('invite');
    focus($.inviteTitle);
    return true;
  }
  const join = linkToken('join');
  if (join) {
    joinToken = join;
    if (user) showJoin();
    else showLogin();
    return true;
  }
  const token = linkToken('reset');
  if (!token) return false;
  resetToken = token;
  setError($.resetError, '');
  view('reset');
  focus($.resetTitle);
  return true;
}

window.addEventListener('hashchange', () => {
  // Not a mail link: Back or Forward to or from an organisation (`#/organisations/<id>`).
  if (!openLink() && user) void tenancy.followAddress();
});

/** What the status feed's `overall` means, in words. */
const OVERALL = {
  operational: 'All systems operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

/** The services' status in the header, kept live by the public status stream. */
function showServiceStatus() {
  const status = byId('service-status', HTMLElement);
  followStatus((summary) => {
    const overall = /** @type {{ overall?: string }} */ (summary).overall ?? '';
    status.dataset.overall = overall;
    status.textContent = /** @type {Record<string, string>} */ (OVERALL)[overall] ?? '';
  });
}

async function start() {
  renderThemeToggle();
  showServiceStatus();
  // A join link needs the session (if any) first: it is kept, and the join step follows the sign-in.
  const join = linkToken('join');
  if (join) joinToken = join;
  else if (openLink()) return;
  if (api.hasCookieSession()) {
    try {
      if (await api.refresh()) {
        await showAccount(false);
        return;
      }
    } catch (error) {
      showLogin(explain(error), false);
      return;
    }
  }
  showLogin('', false);
}

void start();
