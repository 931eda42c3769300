/* global window, HTMLElement, HTMLButtonElement, HTMLFormElement, HTMLInputElement, HTMLSelectElement,
   HTMLTableSectionElement, HTMLTextAreaElement */
/**
 * Organisations (tenants) in the console: the signed-in user's organisations, a new one, and
 * one organisation's usage and quotas, its settings (owners), its members (roles, removal, leaving),
 * its invitations and recent activity (owners and admins), its name and its deletion; for platform
 * admins, every tenant (suspension and quotas). `#/organisations/<id>` opens an organisation.
 * Whoever listens (`onTenantsLoaded`: the workspace and its switcher) hears each new reading of the list.
 *
 * The buttons and selectors offer only what the API allows the caller's role; when the API
 * refuses anyway (the last owner, a suspension, a change made elsewhere), its problem is shown
 * in the card and the organisation is read again.
 */
import * as api from './api.js';
import { byId, el, focus, show, time } from './dom.js';
import { announce, busy, bytes, counted, explain, onSubmit, rowButton, setError } from './ui.js';

/**
 * @typedef {import('./api.js').User} User
 * @typedef {import('./api.js').Tenant} Tenant
 * @typedef {import('./api.js').TenantRole} TenantRole
 * @typedef {import('./api.js').TenantStatus} TenantStatus
 * @typedef {import('./api.js').TenantQuotas} TenantQuotas
 * @typedef {import('./api.js').TenantVersion} TenantVersion
 * @typedef {import('./api.js').Member} Member
 * @typedef {import('./api.js').AdminTenant} AdminTenant
 * @typedef {import('./api.js').TenantInvitation} TenantInvitation
 * @typedef {import('./api.js').InvitationStatus} InvitationStatus
 * @typedef {import('./api.js').TenantSettings} TenantSettings
 * @typedef {import('./api.js').AuditEvent} AuditEvent
 */

/** Organisations, members and tenants shown at most (the API's largest page). */
const PAGE_SIZE = 100;
/** The address of one organisation's page. */
const ROUTE = /^#\/organisations\/([0-9a-fA-F-]{36})$/;
const SLUG_MAX = 63;
/** The organisation's audit events shown in its panel (the newest). */
const ACTIVITY_SIZE = 10;

/** @type {Record<TenantRole, string>} */
const ROLE_TEXT = { owner: 'Owner', admin: 'Admin', member: 'Member' };
/** @type {Record<TenantRole, string>} */
const ROLE_PHRASE = { owner: 'an owner', admin: 'an admin', member: 'a member' };
/** @type {Record<TenantStatus, string>} */
const STATUS_TEXT = { active: 'Active', suspended: 'Suspended' };
/** @type {Record<InvitationStatus, string>} */
const INVITATION_STATUS_TEXT = { pending: 'Pending', accepted: 'Accepted', revoked: 'Revoked', expired: 'Expired' };

const $ = {
  orgsTitle: byId('orgs-title', HTMLElement),
  orgsError: byId('orgs-error', HTMLElement),
  orgsRows: byId('orgs-rows', HTMLTableSectionElement),
  orgsCount: byId('orgs-count', HTMLElement),
  org: byId('org', HTMLElement),
  orgTitle: byId('org-title', HTMLElement),
  orgClose: byId('org-close', HTMLButtonElement),
  orgSummary: byId('org-summary', HTMLElement),
  orgNotice: byId('org-notice', HTMLElement),
  orgError: byId('org-error', HTMLElement),
  orgUsage: byId('org-usage', HTMLElement),
  orgUsageError: byId('org-usage-error', HTMLElement),
  orgUsageList: byId('org-usage-list', HTMLElement),
  orgSettingsForm: byId('org-settings-form', HTMLFormElement),
  orgSettingsTitle: byId('org-settings-title', HTMLElement),
  orgSettingsError: byId('org-settings-error', HTMLElement),
  orgActivity: byId('org-activity', HTMLElement),
  orgActivityError: byId('org-activity-error', HTMLElement),
  orgActivityRows: byId('org-activity-rows', HTMLTableSectionElement),
  orgActivityCount: byId('org-activity-count', HTMLElement),
  orgRenameForm: byId('org-rename-form', HTMLFormElement),
  orgRenameName: byId('org-rename-name', HTMLInputElement),
  orgMembers: byId('org-members', HTMLElement),
  orgMembersTitle: byId('org-members-title', HTMLElement),
  orgMembersRows: byId('org-members-rows', HTMLTableSectionElement),
  orgMembersCount: byId('org-members-count', HTMLElement),
  orgInvitations: byId('org-invitations', HTMLElement),
  orgInvitationsTitle: byId('org-invitations-title', HTMLElement),
  orgInviteForm: byId('org-invite-form', HTMLFormElement),
  orgInviteError: byId('org-invite-error', HTMLElement),
  orgInviteDone: byId('org-invite-done', HTMLElement),
  orgInviteEmail: byId('org-invite-email', HTMLInputElement),
  orgInviteRole: byId('org-invite-role', HTMLSelectElement),
  orgInvitationsRows: byId('org-invitations-rows', HTMLTableSectionElement),
  orgInvitationsCount: byId('org-invitations-count', HTMLElement),
  orgConfirm: byId('org-confirm', HTMLElement),
  orgConfirmText: byId('org-confirm-text', HTMLElement),
  orgConfirmYes: byId('org-confirm-yes', HTMLButtonElement),
  orgConfirmCancel: byId('org-confirm-cancel', HTMLButtonElement),
  orgDelete: byId('org-delete', HTMLButtonElement),
  newOrgForm: byId('new-org-form', HTMLFormElement),
  newOrgError: byId('new-org-error', HTMLElement),
  newOrgDone: byId('new-org-done', HTMLElement),
  newOrgName: byId('new-org-name', HTMLInputElement),
  newOrgSlug: byId('new-org-slug', HTMLInputElement),
  adminTenants: byId('admin-tenants', HTMLElement),
  tenantsTitle: byId('tenants-title', HTMLElement),
  tenantsError: byId('tenants-error', HTMLElement),
  tenantsSearchForm: byId('tenants-search-form', HTMLFormElement),
  tenantsQuery: byId('tenants-q', HTMLInputElement),
  tenantsStatus: byId('tenants-status', HTMLSelectElement),
  tenantsCount: byId('tenants-count', HTMLElement),
  tenantsRows: byId('tenants-rows', HTMLTableSectionElement),
  quotasForm: byId('tenant-quotas', HTMLFormElement),
  quotasTitle: byId('tenant-quotas-title', HTMLElement),
  quotasCancel: byId('tenant-quotas-cancel', HTMLButtonElement),
};

/** The quota fields and their inputs, in the order of the form. */
/** @type {[keyof TenantQuotas, HTMLInputElement][]} */
const QUOTA_INPUTS = [
  ['max_members', byId('quota-max-members', HTMLInputElement)],
  ['max_projects', byId('quota-max-projects', HTMLInputElement)],
  ['max_storage_bytes', byId('quota-max-storage-bytes', HTMLInputElement)],
  ['max_requests_per_minute', byId('quota-max-requests-per-minute', HTMLInputElement)],
];

/**
 * The settings form's fields, each with its own error region (`aria-describedby` names it).
 * @type {{ mfa_required: { input: HTMLInputElement, error: HTMLElement },
 *   allowed_email_domains: { input: HTMLTextAreaElement, error: HTMLElement },
 *   session_max_age: { input: HTMLInputElement, error: HTMLElement } }}
 */
const SETTINGS = {
  mfa_required: { input: byId('org-settings-mfa', HTMLInputElement), error: byId('org-settings-mfa-error', HTMLElement) },
  allowed_email_domains: {
    input: byId('org-settings-domains', HTMLTextAreaElement),
    error: byId('org-settings-domains-error', HTMLElement),
  },
  session_max_age: {
    input: byId('org-settings-max-age', HTMLInputElement),
    error: byId('org-settings-max-age-error', HTMLElement),
  },
};
const SESSION_MAX_AGE_MIN = 300;
const SESSION_MAX_AGE_MAX = 31_536_000;

/** @type {User | null} */
let me = null;
/** Who hears each new reading of the organisations list. */
/** @type {((tenants: Tenant[]) => Promise<void>)[]} */
const listeners = [];
/** The open organisation's members: user id → email (for its activity). */
/** @type {Map<string, string>} */
let memberEmails = new Map();
/** The organisation open below the list, as last read (with its ETag for `If-Match`). */
/** @type {TenantVersion | null} */
let shown = null;
/** Counts the openings, so that a slow answer for an organisation no longer open is dropped. */
let opening = 0;
/** What the confirmation panel does when confirmed (true when done; false leaves the panel open). */
/** @type {(() => Promise<boolean>) | null} */
let confirmed = null;
/** The slug last suggested from the name: while the slug field still holds it, typing the name replaces it. */
let suggestedSlug = '';
/** The tenant whose quotas a platform admin is editing. */
/** @type {AdminTenant | null} */
let quotasOf = null;

// ---------------------------------------------------------------- messages

/**
 * What to tell the user about a failed tenancy call, in the console's words.
 * @param {unknown} error
 */
function explainTenancy(error) {
  if (error instanceof api.ApiError) {
    switch (error.code) {
      case 'slug_taken':
        return 'Another organisation already uses this slug; choose another.';
      case 'last_owner':
        return 'An organisation must keep at least one owner: make another member an owner first, or delete the organisation.';
      case 'tenant_suspended':
        return 'This organisation is suspended: it can be read, but nothing in it can be changed.';
      case 'tenant_not_found':
        return 'This organisation does not exist, or you are not a member of it.';
      case 'member_not_found':
        return 'This person is no longer a member of the organisation.';
      case 'personal_tenant':
        return 'Your personal organisation is yours alone: it cannot be deleted, nobody joins it, and you stay its owner.';
      case 'precondition_failed':
        return 'The organisation was changed elsewhere in the meantime. It is shown as it is now: try again.';
      case 'quota_exceeded': {
        const { limit, usage } = error.problem;
        const room = typeof limit === 'number' ? ` (${usage ?? limit} of ${counted(limit, 'place')} taken)` : '';
        return `This organisation has no room for another member${room}. Its members and pending invitations count; a platform administrator can raise the limit.`;
      }
      case 'already_member':
        return 'This address already belongs to a member of the organisation.';
      case 'invitation_not_found':
        return 'This invitation no longer exists.';
      case 'invitation_accepted':
        return 'This invitation has been accepted: to undo it, remove the member instead.';
      case 'validation_failed':
        if (error.problem.errors?.some((e) => e.code === 'email_domain_not_allowed')) {
          return 'This organisation only accepts addresses of its allowed domains; this address is not one of them.';
        }
        break;
      default:
        break;
    }
  }
  return explain(error);
}

/** @param {unknown} error */
function codeOf(error) {
  return error instanceof api.ApiError ? error.code : '';
}

// ---------------------------------------------------------------- your organisations

async function loadTenants() {
  setError($.orgsError, '');
  let page;
  try {
    page = await api.listTenants(PAGE_SIZE);
  } catch (error) {
    setError($.orgsError, explainTenancy(error));
    return;
  }
  $.orgsRows.replaceChildren(...page.items.map(tenantRow));
  $.orgsCount.textContent =
    page.total > page.items.length
      ? `The first ${page.items.length} of your ${page.total} organisations.`
      : `You belong to ${counted(page.total, 'organisation')}.`;
  const { items } = page;
  await Promise.all(listeners.map((listener) => listener(items)));
}

/**
 * Hears each new reading of the signed-in user's organisations (after the list is shown).
 * @param {(tenants: Tenant[]) => Promise<void>} listener
 */
export function onTenantsLoaded(listener) {
  listeners.push(listener);
}

/** Reads the organisations again (another card learnt that they changed: a role, a deletion, a setting). */
export async function reloadTenants() {
  if (me) await loadTenants();
}

/** After two-factor authentication was turned on: the open organisation (which may require it) is read again. */
export async function mfaChanged() {
  if (shown && shown.tenant.status === 'active') await loadDetails();
}

/**
 * Something was added or removed in an organisation: its usage, if it is open, is read again.
 * @param {string} id
 */
export function usageChanged(id) {
  if (shown?.tenant.id === id) void loadUsage();
}

/** @param {Tenant} tenant */
function tenantRow(tenant) {
  const name = el('td', { className: 'who' }, [el('span', { text: tenant.name })]);
  if (tenant.personal) name.append(el('span', { className: 'badge', text: 'Personal' }));
  const actions = el('div', { className: 'row-actions' }, [
    rowButton('Members', `Members of ${tenant.name}`, () => navigate(tenant.id)),
  ]);
  const attrs = {
    'data-tenant-id': tenant.id,
    'data-role': tenant.role,
    'data-status': tenant.status,
    'data-personal': String(tenant.personal),
  };
  return el('tr', { attrs }, [
    name,
    el('td', { className: 'mono', text: tenant.slug }),
    el('td', { text: ROLE_TEXT[tenant.role] ?? tenant.role }),
    el('td', { className: tenant.status === 'suspended' ? 'warn' : '', text: STATUS_TEXT[tenant.status] ?? tenant.status }),
    el('td', {}, [actions]),
  ]);
}

/**
 * "Acme Rocket Works" → "acme-rocket-works": lower-case letters and digits, dashes between words,
 * accents dropped, at most 63 characters. The API has the last word (reserved or taken slugs).
 * @param {string} name
 */
function suggestSlug(name) {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/, '');
}

$.newOrgName.addEventListener('input', () => {
  // A slug typed by hand stays; an emptied slug field takes suggestions again.
  if ($.newOrgSlug.value !== suggestedSlug && $.newOrgSlug.value !== '') return;
  suggestedSlug = suggestSlug($.newOrgName.value);
  $.newOrgSlug.value = suggestedSlug;
});

onSubmit($.newOrgForm, async () => {
  setError($.newOrgError, '');
  $.newOrgDone.textContent = '';
  const name = $.newOrgName.value.trim();
  const slug = $.newOrgSlug.value.trim().toLowerCase();
  let created;
  try {
    created = await api.createTenant({ name, slug });
  } catch (error) {
    setError($.newOrgError, explainTenancy(error));
    const field = error instanceof api.ApiError ? error.problem.errors?.[0]?.field : undefined;
    (field === 'name' ? $.newOrgName : $.newOrgSlug).select();
    return;
  }
  $.newOrgName.value = '';
  $.newOrgSlug.value = '';
  suggestedSlug = '';
  $.newOrgDone.textContent = `${created.name} is created, with you as its owner.`;
  announce('Organisation created.');
  await loadTenants();
});

// ---------------------------------------------------------------- one organisation

/** The organisation the address names (`#/organisations/<id>`), if any. */
function routedTenantId() {
  return ROUTE.exec(window.location.hash)?.[1]?.toLowerCase() ?? null;
}

/**
 * Opens an organisation below the list and puts its address in the history (Back closes it).
 * @param {string} id
 */
async function navigate(id) {
  const target = `#/organisations/${id}`;
  if (window.location.hash !== target) window.history.pushState(null, '', target);
  await openTenant(id);
}

/**
 * The address without an organisation's: a new history entry when `push`, else in place.
 * @param {boolean} push
 */
function leaveAddress(push) {
  if (!routedTenantId()) return;
  const plain = `${window.location.pathname}${window.location.search}`;
  if (push) window.history.pushState(null, '', plain);
  else window.history.replaceState(null, '', plain);
}

/**
 * Shows what the address names: an organisation, or none. Called once the account is shown, and
 * on `hashchange` (Back and Forward, a pasted address).
 */
export async function followAddress() {
  if (!me) return;
  const id = routedTenantId();
  if (id) {
    if (shown?.tenant.id !== id) await openTenant(id);
    return;
  }
  if (shown) closePanel('keep');
}

/** @param {string} id */
async function openTenant(id) {
  const ticket = ++opening;
  setError($.orgError, '');
  hideConfirm();
  let version;
  try {
    version = await api.getTenant(id);
  } catch (error) {
    if (ticket !== opening) return;
    closePanel();
    setError($.orgsError, explainTenancy(error));
    focus($.orgsTitle);
    return;
  }
  if (ticket !== opening) return;
  shown = version;
  $.orgRenameName.value = version.tenant.name;
  $.orgMembersRows.replaceChildren();
  $.orgMembersCount.textContent = '';
  clearInvitations();
  clearUsage();
  fillSettings();
  renderPanel();
  show(true, $.org);
  focus($.orgTitle);
  await loadDetails();
}

/** The open organisation's members, invitations, usage and (after them) its recent activity. */
async function loadDetails() {
  await Promise.all([loadMembers(), loadInvitations()]);
  await loadUsageAndActivity();
}

/** The usage, then the activity: when the organisation refuses its usage (its settings), it refuses its activity too (said once). */
async function loadUsageAndActivity() {
  if (await loadUsage()) {
    await loadActivity();
  } else {
    show(false, $.orgActivity);
  }
}

/**
 * @param {'push' | 'replace' | 'keep'} [address] what becomes of the organisation's address: a new history entry
 *   without it (Close: Back opens it again), replaced in place (it is gone or you left it), or kept (Back got there)
 */
function closePanel(address = 'replace') {
  opening += 1;
  shown = null;
  hideConfirm();
  show(false, $.org);
  setError($.orgError, '');
  $.orgMembersRows.replaceChildren();
  $.orgMembersCount.textContent = '';
  clearInvitations();
  clearUsage();
  clearSettings();
  if (address !== 'keep') leaveAddress(address === 'push');
}

$.orgClose.addEventListener('click', () => {
  closePanel('push');
  focus($.orgsTitle);
});

function renderPanel() {
  if (!shown) return;
  const { tenant } = shown;
  const active = tenant.status === 'active';
  $.orgTitle.textContent = tenant.name;
  $.orgSummary.textContent = `Slug ${tenant.slug} · your role: ${ROLE_TEXT[tenant.role]} · ${STATUS_TEXT[tenant.status]}`;
  $.orgNotice.textContent = !active
    ? 'This organisation is suspended by the platform’s administrators: you can see it, but nothing in it can be changed, and its members are not shown.'
    : tenant.personal
      ? 'Your personal organisation: it cannot be deleted and goes with your account.'
      : '';
  show(active && (tenant.role === 'owner' || tenant.role === 'admin'), $.orgRenameForm);
  show(active, $.orgMembers);
  show(active && invites(tenant), $.orgInvitations);
  show(active, $.orgUsage);
  show(active && tenant.role === 'owner', $.orgSettingsForm);
  show(active && manages(tenant), $.orgActivity);
  if (!active) {
    $.orgMembersRows.replaceChildren();
    $.orgMembersCount.textContent = '';
  }
  if (!active || !invites(tenant)) clearInvitations();
  if (!active) clearUsage();
  show(active && tenant.role === 'owner' && !tenant.personal, $.orgDelete);
}

async function loadMembers() {
  if (!shown || shown.tenant.status !== 'active') return;
  const { id } = shown.tenant;
  const ticket = opening;
  let page;
  try {
    page = await api.listMembers(id, PAGE_SIZE);
  } catch (error) {
    // Shown, not read again: reading again loads the members again.
    if (ticket === opening) setError($.orgError, explainTenancy(error));
    return;
  }
  if (ticket !== opening) return;
  memberEmails = new Map(page.items.map((member) => [member.user_id, member.email]));
  $.orgMembersRows.replaceChildren(...page.items.map(memberRow));
  $.orgMembersCount.textContent =
    page.total > page.items.length
      ? `The first ${page.items.length} of ${page.total} members, in the order they joined.`
      : `${counted(page.total, 'member')}, in the order they joined.`;
}

/**
 * Reads the open organisation again (its status, your role, its name and ETag), its members and
 * the list, keeping the error on show.
 */
async function refresh() {
  if (!shown) return;
  const { id } = shown.tenant;
  const ticket = opening;
  let version;
  try {
    version = await api.getTenant(id);
  } catch (error) {
    if (ticket !== opening) return;
    const message = explainTenancy(error);
    if (codeOf(error) !== 'tenant_not_found') {
      setError($.orgError, message);
      return;
    }
    // Deleted, or you are no longer a member: the panel closes, and the list says why.
    closePanel();
    await loadTenants();
    setError($.orgsError, message);
    focus($.orgsTitle);
    return;
  }
  if (ticket !== opening) return;
  shown = version;
  fillSettings();
  renderPanel();
  await Promise.all([loadDetails(), loadTenants()]);
}

/**
 * Shows a refusal in the panel, and reads the organisation again when the refusal means the page
 * is out of date (suspended, your role changed, a member gone, changed elsewhere, no longer yours).
 * @param {unknown} error
 * @param {string} [subject] whom the failed action was about
 */
async function refused(error, subject = '') {
  const message = explainTenancy(error);
  setError($.orgError, subject ? `${subject}: ${message}` : message);
  const stale = ['tenant_suspended', 'tenant_not_found', 'forbidden', 'member_not_found', 'precondition_failed'];
  if (stale.includes(codeOf(error))) await refresh();
}

/**
 * The roles a member with role `actor` may give a member whose role is `target`: owners any;
 * admins move members between admin and member, and never touch an owner; members none.
 * @param {TenantRole} actor
 * @param {TenantRole} target
 * @returns {TenantRole[]}
 */
function grantableRoles(actor, target) {
  if (actor === 'owner') return ['owner', 'admin', 'member'];
  if (actor === 'admin' && target !== 'owner') return ['admin', 'member'];
  return [];
}

/**
 * Whether a member with role `actor` may remove a member whose role is `target` (leaving aside).
 * @param {TenantRole} actor
 * @param {TenantRole} target
 */
function mayRemove(actor, target) {
  return actor === 'owner' || (actor === 'admin' && target !== 'owner');
}

/** @param {Member} member */
function memberRow(member) {
  if (!shown) return el('tr');
  const { tenant } = shown;
  const self = me !== null && member.user_id === me.id;
  const who = el('td', { className: 'who' }, [el('span', { text: member.email })]);
  if (self) who.append(el('span', { className: 'badge', text: 'You' }));
  if (member.display_name) who.append(el('br'), el('span', { className: 'meta', text: member.display_name }));
  // Alone in the personal organisation: its owner can change nothing about themself.
  const roles = tenant.personal && self ? [] : grantableRoles(tenant.role, member.role);
  const role = el('td', {}, roles.length > 0 ? [roleEditor(member, roles)] : [ROLE_TEXT[member.role] ?? member.role]);
  const actions = el('div', { className: 'row-actions' });
  if (self && !tenant.personal) {
    actions.append(rowButton('Leave', `Leave ${tenant.name}`, () => Promise.resolve(askToLeave()), 'secondary danger-text'));
  } else if (!self && mayRemove(tenant.role, member.role)) {
    actions.append(
      rowButton('Remove', `Remove ${member.email}`, () => Promise.resolve(askToRemove(member)), 'secondary danger-text'),
    );
  }
  return el('tr', { attrs: { 'data-user-id': member.user_id, 'data-role': member.role } }, [
    who,
    role,
    el('td', {}, [time(member.joined_at)]),
    el('td', {}, [actions]),
  ]);
}

/**
 * A role selector and its button, for a member whose role the caller may change.
 * @param {Member} member
 * @param {TenantRole[]} roles
 */
function roleEditor(member, roles) {
  const id = `org-role-${member.user_id}`;
  const select = el(
    'select',
    { attrs: { id } },
    roles.map((role) => el('option', { text: ROLE_TEXT[role], attrs: { value: role } })),
  );
  select.value = member.role;
  const button = rowButton('Change', `Change the role of ${member.email}`, async () => {
    const role = roles.find((r) => r === select.value);
    if (!role || role === member.role) {
      announce(`${member.email} is ${ROLE_PHRASE[member.role]} already.`);
      return;
    }
    await changeRole(member, role, select);
  });
  return el('div', { className: 'role-edit' }, [
    el('label', { className: 'visually-hidden', text: `Role of ${member.email}`, attrs: { for: id } }),
    select,
    button,
  ]);
}

/**
 * @param {Member} member
 * @param {TenantRole} role
 * @param {HTMLSelectElement} select put back to the member's role when refused
 */
async function changeRole(member, role, select) {
  if (!shown) return;
  const { tenant } = shown;
  setError($.orgError, '');
  hideConfirm();
  try {
    await api.changeMemberRole(tenant.id, member.user_id, role);
  } catch (error) {
    select.value = member.role;
    await refused(error, member.email);
    return;
  }
  await refresh(); // your own role may be the one that changed
  announce(`${member.email} is now ${ROLE_PHRASE[role]} of ${tenant.name}.`);
  focus($.orgMembersTitle);
}

// ---------------------------------------------------------------- usage and quotas (every member)

function clearUsage() {
  $.orgUsageList.replaceChildren();
  setError($.orgUsageError, '');
  $.orgActivityRows.replaceChildren();
  $.orgActivityCount.textContent = '';
  setError($.orgActivityError, '');
  memberEmails = new Map();
}

/**
 * "3 / 10", "3 / unlimited".
 * @param {string} used
 * @param {number | null} limit
 * @param {(n: number) => string} [format]
 */
function ofLimit(used, limit, format = String) {
  return `${used} / ${limit === null ? 'unlimited' : format(limit)}`;
}

/**
 * The open organisation's usage next to its quotas.
 * @returns {Promise<boolean>} whether the organisation answered (false: the panel says why)
 */
async function loadUsage() {
  if (!shown || shown.tenant.status !== 'active') return false;
  const { id } = shown.tenant;
  const ticket = opening;
  let usage;
  try {
    usage = await api.tenantUsage(id);
  } catch (error) {
    if (ticket === opening) {
      $.orgUsageList.replaceChildren();
      setError($.orgUsageError, explainTenancy(error));
    }
    return false;
  }
  if (ticket !== opening) return false;
  setError($.orgUsageError, '');
  const { quotas, requests } = usage;
  /** @type {[string, string, string][]} */
  const rows = [
    ['members', 'Members', ofLimit(String(usage.members), quotas.max_members)],
    ['projects', 'Projects', ofLimit(String(usage.projects), quotas.max_projects)],
    ['storage', 'Storage', ofLimit(bytes(usage.storage_bytes), quotas.max_storage_bytes, bytes)],
    ['requests-minute', 'Requests this minute', ofLimit(String(requests.last_minute), quotas.max_requests_per_minute)],
    ['requests-day', 'Requests today', String(requests.last_day)],
  ];
  $.orgUsageList.replaceChildren(
    ...rows.flatMap(([key, label, value]) => [
      el('dt', { text: label }),
      el('dd', { text: value, attrs: { 'data-usage': key } }),
    ]),
  );
  return true;
}

// ---------------------------------------------------------------- settings (owners)

/**
 * The settings as read (the API fills the defaults; this guards against a partial answer).
 * @param {Tenant} tenant
 * @returns {TenantSettings}
 */
function settingsOf(tenant) {
  const raw = tenant.settings ?? {};
  return {
    mfa_required: raw.mfa_required === true,
    allowed_email_domains: Array.isArray(raw.allowed_email_domains)
      ? raw.allowed_email_domains.filter((d) => typeof d === 'string')
      : [],
    session_max_age: typeof raw.session_max_age === 'number' ? raw.session_max_age : null,
  };
}

/** The settings form shows the open organisation's settings as read. */
function fillSettings() {
  clearSettingsErrors();
  if (!shown) return;
  const settings = settingsOf(shown.tenant);
  SETTINGS.mfa_required.input.checked = settings.mfa_required;
  SETTINGS.allowed_email_domains.input.value = settings.allowed_email_domains.join('\n');
  SETTINGS.session_max_age.input.value = settings.session_max_age === null ? '' : String(settings.session_max_age);
}

function clearSettingsErrors() {
  setError($.orgSettingsError, '');
  for (const { input, error } of Object.values(SETTINGS)) {
    error.textContent = '';
    input.removeAttribute('aria-invalid');
  }
}

function clearSettings() {
  clearSettingsErrors();
  SETTINGS.mfa_required.input.checked = false;
  SETTINGS.allowed_email_domains.input.value = '';
  SETTINGS.session_max_age.input.value = '';
}

/**
 * @param {keyof typeof SETTINGS} field
 * @param {string} message
 */
function settingError(field, message) {
  const { input, error } = SETTINGS[field];
  error.textContent = error.textContent ? `${error.textContent} ${message}` : message;
  input.setAttribute('aria-invalid', 'true');
}

/** "example.com, example.org" or one a line → the list (the API lower-cases and removes repeats). */
function domainsTyped() {
  return SETTINGS.allowed_email_domains.input.value
    .split(/[\s,;]+/)
    .map((domain) => domain.trim())
    .filter((domain) => domain !== '');
}

const MAX_AGE_HELP = `Enter whole seconds from ${SESSION_MAX_AGE_MIN} (5 minutes) to ${SESSION_MAX_AGE_MAX} (a year), or leave it empty for no limit.`;

/**
 * The API's validation errors, each under its field (`settings.allowed_email_domains.2` names the third domain).
 * @param {import('./api.js').FieldError[]} errors
 * @param {string[]} domains as sent
 * @returns {boolean} whether any was about a field of the form
 */
function showSettingErrors(errors, domains) {
  let placed = false;
  for (const error of errors) {
    const [, name, index] = /^settings\.([a-z_]+)(?:\.(\d+))?$/.exec(error.field) ?? [];
    if (name === 'mfa_required') {
      settingError('mfa_required', 'Choose whether two-factor authentication is required.');
    } else if (name === 'allowed_email_domains') {
      const domain = index === undefined ? undefined : domains[Number(index)];
      settingError(
        'allowed_email_domains',
        domain === undefined
          ? `${error.message[0]?.toUpperCase() ?? ''}${error.message.slice(1)}.`
          : `“${domain}” is not a domain name like example.com.`,
      );
    } else if (name === 'session_max_age') {
      settingError('session_max_age', MAX_AGE_HELP);
    } else {
      continue;
    }
    placed = true;
  }
  return placed;
}

/** Focus on the first field with an error. */
function focusInvalidSetting() {
  const invalid = Object.values(SETTINGS).find(({ input }) => input.getAttribute('aria-invalid') === 'true');
  invalid?.input.focus();
}

onSubmit($.orgSettingsForm, async () => {
  if (!shown) return;
  const { tenant, etag } = shown;
  setError($.orgError, '');
  clearSettingsErrors();
  hideConfirm();
  const current = settingsOf(tenant);
  const domains = domainsTyped();
  const maxAgeText = SETTINGS.session_max_age.input.value.trim();
  const maxAge = maxAgeText === '' ? null : /^\d+$/.test(maxAgeText) ? Number(maxAgeText) : NaN;
  if (Number.isNaN(maxAge)) {
    settingError('session_max_age', MAX_AGE_HELP);
    setError($.orgSettingsError, 'The settings are not saved: correct the field marked below.');
    focusInvalidSetting();
    return;
  }
  /** @type {Partial<TenantSettings>} */
  const change = {};
  const mfa = SETTINGS.mfa_required.input.checked;
  if (mfa !== current.mfa_required) change.mfa_required = mfa;
  const lower = domains.map((domain) => domain.toLowerCase());
  if (lower.join('\n') !== current.allowed_email_domains.join('\n')) change.allowed_email_domains = domains;
  if (maxAge !== current.session_max_age) change.session_max_age = maxAge;
  if (Object.keys(change).length === 0) {
    announce(`The settings of ${tenant.name} are unchanged.`);
    return;
  }
  try {
    shown = await api.updateTenantSettings(tenant.id, change, etag);
  } catch (error) {
    const errors = error instanceof api.ApiError && error.code === 'validation_failed' ? (error.problem.errors ?? []) : [];
    if (errors.length > 0 && showSettingErrors(errors, domains)) {
      setError($.orgSettingsError, 'The settings are not saved: correct the fields marked below.');
      focusInvalidSetting();
      return;
    }
    // Shown under the form (after reading the organisation again when the page is out of date: that refills the form).
    const message = explainTenancy(error);
    const stale = ['tenant_suspended', 'tenant_not_found', 'forbidden', 'precondition_failed'];
    if (stale.includes(codeOf(error))) await refresh();
    if (shown) setError($.orgSettingsError, message);
    return;
  }
  fillSettings();
  renderPanel();
  announce(`The settings of ${shown?.tenant.name ?? tenant.name} are saved.`);
  focus($.orgSettingsTitle);
  // The list (and the workspace, which follows it) learns the new settings; then the usage and the activity,
  // which obey them now.
  await loadTenants();
  await loadUsageAndActivity();
});

// ---------------------------------------------------------------- recent activity (owners and admins)

/** The open organisation's newest audit events. */
async function loadActivity() {
  if (!shown || shown.tenant.status !== 'active' || !manages(shown.tenant)) return;
  const { id } = shown.tenant;
  const ticket = opening;
  let page;
  try {
    page = await api.tenantAuditEvents(id, ACTIVITY_SIZE);
  } catch (error) {
    if (ticket === opening) setError($.orgActivityError, explainTenancy(error));
    return;
  }
  if (ticket !== opening) return;
  setError($.orgActivityError, '');
  show(true, $.orgActivity);
  $.orgActivityRows.replaceChildren(...page.items.map(activityRow));
  $.orgActivityCount.textContent =
    page.total === 0
      ? 'Nothing has happened yet.'
      : page.total > page.items.length
        ? `The newest ${page.items.length} of ${page.total} events.`
        : `${counted(page.total, 'event')}, the newest first.`;
}

/** @param {AuditEvent} event */
function activityRow(event) {
  const actor = event.actor_id;
  const by = !actor ? 'The system' : me && actor === me.id ? 'You' : (memberEmails.get(actor) ?? 'Someone else');
  return el('tr', { attrs: { 'data-type': event.type } }, [
    el('td', {}, [time(event.occurred_at)]),
    el('td', { className: 'mono', text: event.type }),
    el('td', { className: event.outcome === 'success' ? '' : 'warn', text: event.outcome }),
    el('td', { className: 'who', text: by }),
  ]);
}

// ---------------------------------------------------------------- invitations (owners and admins)

/**
 * Whether the caller manages the organisation (its invitations, when it has any, and its activity).
 * @param {Tenant} tenant
 */
function manages(tenant) {
  return tenant.role === 'owner' || tenant.role === 'admin';
}

/**
 * Whether the caller may invite into the organisation: a manager, of a shared one (nobody joins a
 * personal organisation: the API answers 409 personal_tenant).
 * @param {Tenant} tenant
 */
function invites(tenant) {
  return manages(tenant) && !tenant.personal;
}

function clearInvitations() {
  $.orgInvitationsRows.replaceChildren();
  $.orgInvitationsCount.textContent = '';
  $.orgInviteEmail.value = '';
  $.orgInviteRole.value = 'member';
  setError($.orgInviteError, '');
  $.orgInviteDone.textContent = '';
}

/** The open organisation's invitations: the pending ones (the others are history: the API keeps them all). */
async function loadInvitations() {
  if (!shown || shown.tenant.status !== 'active' || !invites(shown.tenant)) return;
  const { id } = shown.tenant;
  const ticket = opening;
  let page;
  try {
    page = await api.listTenantInvitations(id, PAGE_SIZE);
  } catch (error) {
    if (ticket === opening) setError($.orgError, explainTenancy(error));
    return;
  }
  if (ticket !== opening) return;
  const pending = page.items.filter((invitation) => invitation.status === 'pending');
  $.orgInvitationsRows.replaceChildren(...pending.map(invitationRow));
  $.orgInvitationsCount.textContent =
    pending.length === 0 ? 'No pending invitation.' : `${counted(pending.length, 'pending invitation')}, the newest first.`;
}

/** @param {TenantInvitation} invitation */
function invitationRow(invitation) {
  const actions = el('div', { className: 'row-actions' }, [
    rowButton(
      'Revoke',
      `Revoke the invitation of ${invitation.email}`,
      () => Promise.resolve(askToRevoke(invitation)),
      'secondary danger-text',
    ),
  ]);
  return el('tr', { attrs: { 'data-invitation-id': invitation.id, 'data-status': invitation.status } }, [
    el('td', { className: 'who' }, [el('span', { text: invitation.email })]),
    el('td', { text: ROLE_TEXT[invitation.role] ?? invitation.role }),
    el('td', {}, [time(invitation.expires_at)]),
    el('td', { text: INVITATION_STATUS_TEXT[invitation.status] ?? invitation.status }),
    el('td', {}, [actions]),
  ]);
}

onSubmit($.orgInviteForm, async () => {
  if (!shown) return;
  const { tenant } = shown;
  setError($.orgInviteError, '');
  $.orgInviteDone.textContent = '';
  hideConfirm();
  const email = $.orgInviteEmail.value.trim();
  const role = $.orgInviteRole.value === 'admin' ? 'admin' : 'member';
  let invited;
  try {
    invited = await api.inviteToTenant(tenant.id, { email, role });
  } catch (error) {
    setError($.orgInviteError, explainTenancy(error));
    const stale = ['tenant_suspended', 'tenant_not_found', 'forbidden'];
    if (stale.includes(codeOf(error))) await refresh();
    else $.orgInviteEmail.select();
    return;
  }
  $.orgInviteEmail.value = '';
  $.orgInviteRole.value = 'member';
  $.orgInviteDone.textContent = `Invitation sent to ${invited.email} (${ROLE_TEXT[invited.role].toLowerCase()}).`;
  announce('Invitation sent.');
  await loadInvitations();
});

/** @param {TenantInvitation} invitation */
function askToRevoke(invitation) {
  if (!shown) return;
  const { tenant } = shown;
  askToConfirm(
    `Revoke the invitation of ${invitation.email} to ${tenant.name}? Its link stops working at once.`,
    'Revoke the invitation',
    async () => {
      try {
        await api.revokeTenantInvitation(tenant.id, invitation.id);
      } catch (error) {
        await refused(error, invitation.email);
        if (codeOf(error) === 'invitation_accepted' || codeOf(error) === 'invitation_not_found') await refresh();
        return false;
      }
      hideConfirm();
      await loadInvitations();
      announce(`The invitation of ${invitation.email} is revoked.`);
      focus($.orgInvitationsTitle);
      return true;
    },
  );
}

/**
 * Asks inside the page before an action that cannot be undone from here.
 * @param {string} text the question
 * @param {string} yes the confirming button's text
 * @param {() => Promise<boolean>} action true when done (the panel closes)
 */
function askToConfirm(text, yes, action) {
  setError($.orgError, '');
  confirmed = action;
  $.orgConfirmText.textContent = text;
  $.orgConfirmYes.textContent = yes;
  show(true, $.orgConfirm);
  $.orgConfirmYes.focus();
}

function hideConfirm() {
  confirmed = null;
  show(false, $.orgConfirm);
}

$.orgConfirmYes.addEventListener('click', () => {
  void busy($.orgConfirmYes, async () => {
    const action = confirmed;
    if (action && (await action())) hideConfirm();
  });
});

$.orgConfirmCancel.addEventListener('click', () => {
  hideConfirm();
  focus($.orgMembers.hidden ? $.orgTitle : $.orgMembersTitle);
});

/** @param {Member} member */
function askToRemove(member) {
  if (!shown) return;
  const { tenant } = shown;
  askToConfirm(`Remove ${member.email} from ${tenant.name}? They lose access to it at once.`, 'Remove the member', async () => {
    try {
      await api.removeMember(tenant.id, member.user_id);
    } catch (error) {
      await refused(error, member.email);
      return false;
    }
    hideConfirm();
    await refresh();
    announce(`${member.email} is no longer a member of ${tenant.name}.`);
    focus($.orgMembersTitle);
    return true;
  });
}

function askToLeave() {
  if (!shown || !me) return;
  const { tenant } = shown;
  const self = me;
  askToConfirm(
    `Leave ${tenant.name}? You lose access to it at once; only its owners or admins can bring you back.`,
    'Leave the organisation',
    async () => {
      try {
        await api.removeMember(tenant.id, self.id);
      } catch (error) {
        await refused(error);
        return false;
      }
      closePanel();
      await loadTenants();
      announce(`You left ${tenant.name}.`);
      focus($.orgsTitle);
      return true;
    },
  );
}

$.orgDelete.addEventListener('click', () => {
  if (!shown) return;
  const { tenant } = shown;
  askToConfirm(
    `Delete ${tenant.name}? It is deleted for good with all its memberships: nobody can use it any more.`,
    'Delete the organisation',
    async () => {
      try {
        // The ETag read last: if the organisation changed since it was shown, 412 and it is shown again.
        await api.deleteTenant(tenant.id, shown?.etag ?? null);
      } catch (error) {
        await refused(error);
        return false;
      }
      closePanel();
      await loadTenants();
      announce(`${tenant.name} is deleted.`);
      focus($.orgsTitle);
      return true;
    },
  );
});

onSubmit($.orgRenameForm, async () => {
  if (!shown) return;
  const { tenant, etag } = shown;
  setError($.orgError, '');
  hideConfirm();
  const name = $.orgRenameName.value.trim();
  try {
    shown = await api.renameTenant(tenant.id, name, etag);
  } catch (error) {
    await refused(error);
    return;
  }
  renderPanel();
  await loadTenants();
  announce(`The organisation is now called ${shown?.tenant.name ?? name}.`);
});

/**
 * After joining an organisation (the `#/join` page): the list read again, and the organisation open.
 * @param {string} id
 */
export async function showJoined(id) {
  const target = `#/organisations/${id}`;
  if (window.location.hash !== target) window.history.replaceState(null, '', target);
  await Promise.all([loadTenants(), openTenant(id)]);
}

// ---------------------------------------------------------------- tenants (platform admins)

/** @param {TenantQuotas} quotas */
function quotaSummary(quotas) {
  /** @type {string[]} */
  const parts = [];
  if (quotas.max_members !== null) parts.push(counted(quotas.max_members, 'member'));
  if (quotas.max_projects !== null) parts.push(counted(quotas.max_projects, 'project'));
  if (quotas.max_storage_bytes !== null) parts.push(`${counted(quotas.max_storage_bytes, 'byte')} of storage`);
  if (quotas.max_requests_per_minute !== null) parts.push(`${counted(quotas.max_requests_per_minute, 'request')} a minute`);
  return parts.length > 0 ? parts.join(', ') : 'Unlimited';
}

/** @returns {TenantStatus | ''} */
function statusFilter() {
  const value = $.tenantsStatus.value;
  return value === 'active' || value === 'suspended' ? value : '';
}

async function loadAdminTenants() {
  setError($.tenantsError, '');
  const q = $.tenantsQuery.value.trim();
  const status = statusFilter();
  let page;
  try {
    page = await api.listAdminTenants(q, status, PAGE_SIZE);
  } catch (error) {
    setError($.tenantsError, explainTenancy(error));
    return;
  }
  $.tenantsRows.replaceChildren(...page.items.map(adminTenantRow));
  const what = `${status ? `${status} ` : ''}${page.total === 1 ? 'tenant' : 'tenants'}`;
  const where = q ? `matching “${q}”` : 'in all';
  $.tenantsCount.textContent =
    page.total > page.items.length
      ? `The newest ${page.items.length} of ${page.total} ${what} ${where}. Search to narrow the list.`
      : `${page.total} ${what} ${where}.`;
}

/** @param {AdminTenant} tenant */
function adminTenantRow(tenant) {
  const name = `${tenant.name} (${tenant.slug})`;
  const who = el('td', { className: 'who' }, [el('span', { text: tenant.name })]);
  if (tenant.personal) who.append(el('span', { className: 'badge', text: 'Personal' }));
  who.append(el('br'), el('span', { className: 'meta mono', text: tenant.slug }));
  who.append(el('br'), el('span', { className: 'meta' }, ['created ', time(tenant.created_at)]));
  const actions = el('div', { className: 'row-actions' }, [
    tenant.status === 'active'
      ? rowButton('Suspend', `Suspend ${name}`, () => setStatus(tenant, 'suspended'), 'secondary danger-text')
      : rowButton('Reactivate', `Reactivate ${name}`, () => setStatus(tenant, 'active')),
    rowButton('Quotas…', `Edit the quotas of ${name}`, () => Promise.resolve(editQuotas(tenant))),
  ]);
  return el('tr', { attrs: { 'data-tenant-id': tenant.id, 'data-status': tenant.status } }, [
    who,
    el('td', { className: tenant.status === 'suspended' ? 'warn' : '', text: STATUS_TEXT[tenant.status] ?? tenant.status }),
    el('td', { text: String(tenant.member_count) }),
    el('td', { className: 'quotas', text: quotaSummary(tenant.quotas) }),
    el('td', {}, [actions]),
  ]);
}

/**
 * @param {AdminTenant} tenant
 * @param {TenantStatus} status
 */
async function setStatus(tenant, status) {
  setError($.tenantsError, '');
  try {
    await api.updateAdminTenant(tenant.id, { status });
  } catch (error) {
    setError($.tenantsError, `${tenant.name}: ${explainTenancy(error)}`);
    return;
  }
  // The admin may be a member of it too: their own list shows the status as well.
  await Promise.all([loadAdminTenants(), loadTenants()]);
  announce(status === 'suspended' ? `${tenant.name} is suspended.` : `${tenant.name} is active again.`);
  focus($.tenantsTitle);
}

/** @param {AdminTenant} tenant */
function editQuotas(tenant) {
  setError($.tenantsError, '');
  quotasOf = tenant;
  $.quotasTitle.textContent = `Quotas of ${tenant.name}`;
  for (const [field, input] of QUOTA_INPUTS) {
    const value = tenant.quotas[field];
    input.value = value === null ? '' : String(value);
  }
  show(true, $.quotasForm);
  QUOTA_INPUTS[0][1].focus();
}

function closeQuotas() {
  quotasOf = null;
  show(false, $.quotasForm);
  for (const [, input] of QUOTA_INPUTS) input.value = '';
}

$.quotasCancel.addEventListener('click', () => {
  closeQuotas();
  focus($.tenantsTitle);
});

onSubmit($.quotasForm, async () => {
  const tenant = quotasOf;
  if (!tenant) return;
  setError($.tenantsError, '');
  /** @type {Partial<TenantQuotas>} */
  const change = {};
  for (const [field, input] of QUOTA_INPUTS) {
    const text = input.value.trim();
    const value = text === '' ? null : Number(text);
    if (value !== tenant.quotas[field]) change[field] = value;
  }
  if (Object.keys(change).length === 0) {
    closeQuotas();
    announce(`The quotas of ${tenant.name} are unchanged.`);
    focus($.tenantsTitle);
    return;
  }
  try {
    await api.updateAdminTenant(tenant.id, { quotas: change });
  } catch (error) {
    setError($.tenantsError, `${tenant.name}: ${explainTenancy(error)}`);
    return;
  }
  closeQuotas();
  await loadAdminTenants();
  announce(`The quotas of ${tenant.name} are saved.`);
  focus($.tenantsTitle);
});

onSubmit($.tenantsSearchForm, loadAdminTenants);
$.tenantsStatus.addEventListener('change', () => void loadAdminTenants());

// ---------------------------------------------------------------- account

/**
 * Shows the signed-in user's organisations (and, for platform admins, every tenant), then the
 * organisation the address names.
 * @param {User} user
 */
export async function showTenancy(user) {
  me = user;
  const admin = user.role === 'admin';
  show(admin, $.adminTenants);
  await Promise.all([loadTenants().then(followAddress), admin ? loadAdminTenants() : Promise.resolve()]);
}

/** Forgets everything shown for the last account (and an organisation's address). */
export function clearTenancy() {
  me = null;
  closePanel();
  closeQuotas();
  $.orgsRows.replaceChildren();
  $.orgsCount.textContent = '';
  $.tenantsRows.replaceChildren();
  $.tenantsCount.textContent = '';
  $.newOrgName.value = '';
  $.newOrgSlug.value = '';
  $.tenantsQuery.value = '';
  $.tenantsStatus.value = '';
  $.orgRenameName.value = '';
  clearSettings();
  suggestedSlug = '';
  for (const region of [$.orgsError, $.orgError, $.newOrgError, $.tenantsError]) setError(region, '');
  $.newOrgDone.textContent = '';
}
