/* global localStorage, HTMLElement, HTMLButtonElement, HTMLFormElement, HTMLInputElement, HTMLSelectElement,
   HTMLTextAreaElement, HTMLTableSectionElement */
/**
 * The workspace: the projects, support tickets, community posts and files of one organisation,
 * and the organisation switcher in the page's header that chooses it. The choice is remembered
 * in this browser per account (`localStorage`, `bastion.tenant.<user id>`: an organisation's id,
 * nothing secret); by default, and when the remembered organisation is gone, it is the personal one.
 *
 * Every call to the tenant-owned routes names the chosen organisation in `X-Tenant-Id` (none for
 * the personal one, which is what the API uses without the header). The organisation's settings
 * may refuse them all (`tenant_mfa_required`, `tenant_session_too_old`): the card then says what
 * to do, with a button that does it, instead of the lists.
 */
import * as api from './api.js';
import { byId, el, focus, saveBlob, show, time } from './dom.js';
import * as tenancy from './tenancy.js';
import { announce, busy, bytes, counted, explain, onSubmit, rowButton, setError } from './ui.js';

/**
 * @typedef {import('./api.js').User} User
 * @typedef {import('./api.js').Tenant} Tenant
 * @typedef {import('./api.js').TenantRole} TenantRole
 * @typedef {import('./api.js').Project} Project
 * @typedef {import('./api.js').Ticket} Ticket
 * @typedef {import('./api.js').Post} Post
 * @typedef {import('./api.js').StoredFile} StoredFile
 * @typedef {{ signInAgain: (notice: string) => Promise<void>, showMfa: () => void }} Hooks
 */

/** Items of each kind shown at most (the newest first). */
const PAGE_SIZE = 50;
const STORAGE_PREFIX = 'bastion.tenant.';

/** @type {Record<TenantRole, string>} */
const ROLE_PHRASE = { owner: 'an owner', admin: 'an admin', member: 'a member' };
/** @type {Record<string, string>} */
const PROJECT_STATUS_TEXT = { active: 'Active', archived: 'Archived' };
/** @type {Record<string, string>} */
const TICKET_STATUS_TEXT = { open: 'Open', in_progress: 'In progress', resolved: 'Resolved', closed: 'Closed' };
/** @type {Record<string, string>} */
const PRIORITY_TEXT = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' };
/** Refusals about the organisation as a whole (its settings, its status, your membership), not about one item. */
const TENANT_PROBLEMS = new Set(['tenant_mfa_required', 'tenant_session_too_old', 'tenant_suspended', 'tenant_not_found']);

const $ = {
  switcher: byId('tenant-switch', HTMLElement),
  select: byId('tenant-select', HTMLSelectElement),
  title: byId('work-title', HTMLElement),
  summary: byId('work-summary', HTMLElement),
  notice: byId('work-notice', HTMLElement),
  error: byId('work-error', HTMLElement),
  errorActions: byId('work-error-actions', HTMLElement),
  goMfa: byId('work-go-mfa', HTMLButtonElement),
  signInAgain: byId('work-sign-in-again', HTMLButtonElement),
  confirm: byId('work-confirm', HTMLElement),
  confirmText: byId('work-confirm-text', HTMLElement),
  confirmYes: byId('work-confirm-yes', HTMLButtonElement),
  confirmCancel: byId('work-confirm-cancel', HTMLButtonElement),
  sections: byId('work-sections', HTMLElement),
  projectsTitle: byId('projects-title', HTMLElement),
  projectsError: byId('projects-error', HTMLElement),
  projectsRows: byId('projects-rows', HTMLTableSectionElement),
  projectsCount: byId('projects-count', HTMLElement),
  projectForm: byId('new-project-form', HTMLFormElement),
  projectDone: byId('new-project-done', HTMLElement),
  projectName: byId('new-project-name', HTMLInputElement),
  projectDescription: byId('new-project-description', HTMLTextAreaElement),
  ticketsTitle: byId('tickets-title', HTMLElement),
  ticketsError: byId('tickets-error', HTMLElement),
  ticketsRows: byId('tickets-rows', HTMLTableSectionElement),
  ticketsCount: byId('tickets-count', HTMLElement),
  ticketForm: byId('new-ticket-form', HTMLFormElement),
  ticketDone: byId('new-ticket-done', HTMLElement),
  ticketSubject: byId('new-ticket-subject', HTMLInputElement),
  ticketBody: byId('new-ticket-body', HTMLTextAreaElement),
  ticketPriority: byId('new-ticket-priority', HTMLSelectElement),
  postsTitle: byId('posts-title', HTMLElement),
  postsError: byId('posts-error', HTMLElement),
  postsRows: byId('posts-rows', HTMLTableSectionElement),
  postsCount: byId('posts-count', HTMLElement),
  postForm: byId('new-post-form', HTMLFormElement),
  postDone: byId('new-post-done', HTMLElement),
  postTitle: byId('new-post-title-input', HTMLInputElement),
  postBody: byId('new-post-body', HTMLTextAreaElement),
  filesTitle: byId('files-title', HTMLElement),
  filesError: byId('files-error', HTMLElement),
  filesRows: byId('files-rows', HTMLTableSectionElement),
  filesCount: byId('files-count', HTMLElement),
  uploadForm: byId('upload-form', HTMLFormElement),
  uploadDone: byId('upload-done', HTMLElement),
  uploadFile: byId('upload-file', HTMLInputElement),
};

/** @type {User | null} */
let me = null;
/** The signed-in user's organisations, as the organisations card read them last. */
/** @type {Tenant[]} */
let tenants = [];
/** The organisation the workspace shows. */
/** @type {Tenant | null} */
let selected = null;
/** Who is who in the selected organisation: user id → email (its members, read with its lists). */
/** @type {Map<string, string>} */
let people = new Map();
/** Counts the loads, so that a slow answer for an organisation no longer shown is dropped. */
let loading = 0;
/** The code of the refusal the card shows instead of the lists, if any. */
let problemCode = '';
/** What the confirmation panel does when confirmed (true when done; false leaves the panel open). */
/** @type {(() => Promise<boolean>) | null} */
let confirmed = null;
/** @type {Hooks} */
let hooks = { signInAgain: () => Promise.resolve(), showMfa: () => {} };

/**
 * What the page does for the buttons of a refusal: sign in again, go to the two-factor settings.
 * @param {Hooks} given
 */
export function init(given) {
  hooks = given;
}

// ---------------------------------------------------------------- the choice, remembered

function storageKey() {
  return me ? `${STORAGE_PREFIX}${me.id}` : null;
}

/** @returns {string | null} */
function remembered() {
  const key = storageKey();
  if (!key) return null;
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage disabled: the choice lasts for this page only
  }
}

/** @param {string | null} id */
function remember(id) {
  const key = storageKey();
  if (!key) return;
  try {
    if (id) localStorage.setItem(key, id);
    else localStorage.removeItem(key);
  } catch {
    // storage disabled
  }
}

/**
 * The `X-Tenant-Id` for an organisation: none for the personal one (the API's default).
 * @param {Tenant} tenant
 */
function headerOf(tenant) {
  return tenant.personal ? null : tenant.id;
}

/** @param {Tenant} tenant */
function labelOf(tenant) {
  if (tenant.personal) return 'Personal';
  return tenant.status === 'suspended' ? `${tenant.name} (suspended)` : tenant.name;
}

/**
 * What decides what the workspace may show and offer: a change means the lists are read again.
 * @param {Tenant} tenant
 */
function stateOf(tenant) {
  return JSON.stringify([tenant.id, tenant.role, tenant.status, tenant.settings]);
}

/** @param {unknown} error */
function codeOf(error) {
  return error instanceof api.ApiError ? error.code : '';
}

/**
 * What to tell the user about a failed call in the workspace.
 * @param {unknown} error
 */
function explainWork(error) {
  switch (codeOf(error)) {
    case 'forbidden':
      return 'You can change only your own items in this organisation; its owners and admins can change every item.';
    case 'tenant_suspended':
      return 'This organisation is suspended by the platform’s administrators: its projects, tickets, posts and files cannot be used until it is reactivated.';
    case 'tenant_not_found':
      return 'This organisation does not exist any more, or you are no longer a member of it.';
    case 'project_not_found':
    case 'file_not_found':
      return 'It no longer exists: the list is shown as it is now.';
    default:
      return explain(error);
  }
}

// ---------------------------------------------------------------- the switcher

function renderSwitcher() {
  $.select.replaceChildren(...tenants.map((tenant) => el('option', { text: labelOf(tenant), attrs: { value: tenant.id } })));
  if (selected) $.select.value = selected.id;
  show(tenants.length > 0, $.switcher);
}

function renderSummary() {
  if (!selected) return;
  $.title.textContent = `Workspace: ${labelOf(selected)}`;
  $.summary.textContent = selected.personal
    ? 'Your own projects, support tickets, community posts and files, in your personal organisation. Choose an organisation at the top of the page to work in it.'
    : `The projects, support tickets, community posts and files of ${selected.name}, where you are ${ROLE_PHRASE[selected.role] ?? selected.role}. Everyone in it can read them; members change their own, owners and admins all of them.`;
}

/**
 * The organisations card read the list (signing in, a new organisation, a rename, leaving, …):
 * the switcher follows, and the lists are read again when the organisation shown changed, or
 * its role, status or settings did. A remembered organisation that is gone gives way to the
 * personal one.
 * @param {Tenant[]} items
 */
export async function tenantsChanged(items) {
  if (!me) return;
  tenants = items;
  const previous = selected;
  const wanted = previous?.id ?? remembered();
  const next = (wanted ? items.find((t) => t.id === wanted) : undefined) ?? items.find((t) => t.personal) ?? items[0] ?? null;
  /** @type {string} */
  let notice = '';
  if (wanted && next?.id !== wanted) {
    remember(null);
    notice = previous
      ? `You are no longer a member of ${previous.name}, or it was deleted: your personal organisation is shown.`
      : 'The organisation you chose last time is no longer available to you: your personal organisation is shown.';
  }
  selected = next;
  renderSwitcher();
  renderSummary();
  if (next && (!previous || stateOf(previous) !== stateOf(next))) await loadAll();
  if (notice) {
    $.notice.textContent = notice;
    announce(notice);
  }
}

$.select.addEventListener('change', () => {
  const next = tenants.find((t) => t.id === $.select.value);
  if (!next || next.id === selected?.id) return;
  selected = next;
  remember(next.personal ? null : next.id);
  renderSummary();
  void loadAll().then(() => {
    if (selected === next) announce(`Showing the workspace of ${next.personal ? 'your personal organisation' : next.name}.`);
  });
});

// ---------------------------------------------------------------- loading

function clearLists() {
  for (const rows of [$.projectsRows, $.ticketsRows, $.postsRows, $.filesRows]) rows.replaceChildren();
  for (const count of [$.projectsCount, $.ticketsCount, $.postsCount, $.filesCount]) count.textContent = '';
  for (const done of [$.projectDone, $.ticketDone, $.postDone, $.uploadDone]) done.textContent = '';
  for (const region of [$.projectsError, $.ticketsError, $.postsError, $.filesError]) setError(region, '');
}

function clearProblem() {
  problemCode = '';
  setError($.error, '');
  show(false, $.errorActions, $.goMfa, $.signInAgain);
}

/**
 * Reads everything of the organisation shown. The projects first: when the organisation refuses
 * (its settings, its status), that one refusal is shown instead of the lists.
 */
async function loadAll() {
  const tenant = selected;
  if (!tenant || !me) return;
  const ticket = ++loading;
  hideConfirm();
  clearProblem();
  clearLists();
  $.notice.textContent = '';
  show(false, $.sections);
  let projects;
  try {
    projects = await api.listProjects(headerOf(tenant), PAGE_SIZE);
  } catch (error) {
    if (ticket === loading) await tenantRefused(error);
    return;
  }
  if (ticket !== loading) return;
  await loadPeople(tenant);
  if (ticket !== loading) return;
  renderProjects(projects);
  show(true, $.sections);
  await Promise.all([loadTickets(), loadPosts(), loadFiles()]);
}

/**
 * The members' addresses, to say who owns what (the personal organisation has only you).
 * @param {Tenant} tenant
 */
async function loadPeople(tenant) {
  people = new Map(me ? [[me.id, me.email]] : []);
  if (tenant.personal) return;
  try {
    const page = await api.listMembers(tenant.id, 100);
    for (const member of page.items) people.set(member.user_id, member.email);
  } catch {
    // Not fatal: the lists say "someone else" instead of an address.
  }
}

/** @param {string} userId */
function whoIs(userId) {
  if (me && userId === me.id) return 'You';
  return people.get(userId) ?? 'Someone else';
}

/**
 * Whether the caller may change or delete an item: their own, or any as the organisation's owner or admin.
 * @param {string} ownerId
 */
function mayChange(ownerId) {
  if (!selected || !me || selected.status !== 'active') return false;
  return ownerId === me.id || selected.role === 'owner' || selected.role === 'admin';
}

/**
 * A refusal about the whole organisation, instead of the lists: what to do about it, with a
 * button for it. An organisation that is gone gives way to the personal one.
 * @param {unknown} error
 */
async function tenantRefused(error) {
  const code = codeOf(error);
  if (code === 'tenant_not_found' && selected && !selected.personal) {
    const gone = selected;
    remember(null);
    selected = null;
    await tenancy.reloadTenants();
    if (!selected) {
      // The list could not be read: the personal organisation, as far as it is known.
      selected = tenants.find((t) => t.personal && t.id !== gone.id) ?? null;
      renderSwitcher();
      renderSummary();
      await loadAll();
    }
    $.notice.textContent = `${gone.name} is no longer available to you (it was deleted, or you are no longer a member): your personal organisation is shown.`;
    announce($.notice.textContent);
    return;
  }
  show(false, $.sections);
  problemCode = code;
  setError($.error, explainWork(error));
  show(code === 'tenant_mfa_required', $.goMfa);
  show(code === 'tenant_session_too_old', $.signInAgain);
  show(code === 'tenant_mfa_required' || code === 'tenant_session_too_old', $.errorActions);
}

/**
 * A refused change of an item. Refusals about the organisation are shown for the whole card (after
 * reading the organisations again: its settings or status may have changed); a `forbidden` reads
 * them again too (your role may have changed) and the list, then says so next to the list.
 * @param {unknown} error
 * @param {HTMLElement} region the list's error region
 * @param {() => Promise<void>} reload reads the list again
 * @param {string} [subject] what the change was about
 */
async function itemRefused(error, region, reload, subject = '') {
  const code = codeOf(error);
  if (TENANT_PROBLEMS.has(code)) {
    const before = loading;
    await tenancy.reloadTenants();
    // Unless the new state of the organisation was loaded meanwhile (which shows its own refusal).
    if (loading === before) await tenantRefused(error);
    return;
  }
  if (code === 'forbidden') await tenancy.reloadTenants();
  if (code === 'forbidden' || code === 'project_not_found' || code === 'file_not_found') await reload();
  const message = explainWork(error);
  setError(region, subject ? `${subject}: ${message}` : message);
}

$.goMfa.addEventListener('click', () => hooks.showMfa());
$.signInAgain.addEventListener('click', () => {
  void busy($.signInAgain, () => {
    const name = selected && !selected.personal ? selected.name : 'this organisation';
    return hooks.signInAgain(`Sign in again to continue in ${name}: it accepts only recent sign-ins.`);
  });
});

/** After two-factor authentication was turned on: an organisation that required it is read again. */
export async function mfaChanged() {
  if (problemCode === 'tenant_mfa_required') await loadAll();
}

// ---------------------------------------------------------------- confirmation

/**
 * @param {string} text
 * @param {string} yes
 * @param {() => Promise<boolean>} action
 */
function askToConfirm(text, yes, action) {
  confirmed = action;
  $.confirmText.textContent = text;
  $.confirmYes.textContent = yes;
  show(true, $.confirm);
  $.confirmYes.focus();
}

function hideConfirm() {
  confirmed = null;
  show(false, $.confirm);
}

$.confirmYes.addEventListener('click', () => {
  void busy($.confirmYes, async () => {
    const action = confirmed;
    if (action && (await action())) hideConfirm();
  });
});

$.confirmCancel.addEventListener('click', () => {
  hideConfirm();
  focus($.title);
});

// ---------------------------------------------------------------- projects

/**
 * @param {{ items: unknown[], total: number }} page
 * @param {string} singular
 */
function pageCount(page, singular) {
  if (page.total === 0) return `No ${singular} yet.`;
  return page.total > page.items.length
    ? `The newest ${page.items.length} of ${page.total} ${singular}s.`
    : `${counted(page.total, singular)}, the newest first.`;
}

async function loadProjects() {
  const tenant = selected;
  if (!tenant) return;
  const ticket = loading;
  try {
    const page = await api.listProjects(headerOf(tenant), PAGE_SIZE);
    if (ticket === loading) renderProjects(page);
  } catch (error) {
    if (ticket === loading) setError($.projectsError, explainWork(error));
  }
}

/** @param {import('./api.js').ProjectPage} page */
function renderProjects(page) {
  $.projectsRows.replaceChildren(...page.items.map(projectRow));
  $.projectsCount.textContent = pageCount(page, 'project');
}

/** @param {Project} project */
function projectRow(project) {
  const who = el('td', { className: 'who' }, [el('span', { text: project.name })]);
  if (project.description) who.append(el('br'), el('span', { className: 'meta', text: project.description }));
  const actions = el('div', { className: 'row-actions' });
  if (mayChange(project.owner_id)) {
    const archived = project.status === 'archived';
    actions.append(
      rowButton(archived ? 'Restore' : 'Archive', `${archived ? 'Restore' : 'Archive'} the project ${project.name}`, () =>
        changeProject(project, archived ? 'active' : 'archived'),
      ),
      rowButton(
        'Delete',
        `Delete the project ${project.name}`,
        () => Promise.resolve(askToDeleteProject(project)),
        'secondary danger-text',
      ),
    );
  }
  const attrs = {
    'data-project-id': project.id,
    'data-tenant-id': project.tenant_id,
    'data-owner-id': project.owner_id,
    'data-status': project.status,
  };
  return el('tr', { attrs }, [
    who,
    el('td', { text: PROJECT_STATUS_TEXT[project.status] ?? project.status }),
    el('td', { className: 'who', text: whoIs(project.owner_id) }),
    el('td', {}, [time(project.created_at)]),
    el('td', {}, [actions]),
  ]);
}

/**
 * @param {Project} project
 * @param {import('./api.js').ProjectStatus} status
 */
async function changeProject(project, status) {
  const tenant = selected;
  if (!tenant) return;
  setError($.projectsError, '');
  hideConfirm();
  try {
    await api.updateProject(headerOf(tenant), project.id, { status });
  } catch (error) {
    await itemRefused(error, $.projectsError, loadProjects, project.name);
    return;
  }
  await loadProjects();
  announce(status === 'archived' ? `${project.name} is archived.` : `${project.name} is active again.`);
}

/** @param {Project} project */
function askToDeleteProject(project) {
  const tenant = selected;
  if (!tenant) return;
  setError($.projectsError, '');
  askToConfirm(`Delete the project ${project.name}? It cannot be brought back.`, 'Delete the project', async () => {
    try {
      await api.deleteProject(headerOf(tenant), project.id);
    } catch (error) {
      hideConfirm();
      await itemRefused(error, $.projectsError, loadProjects, project.name);
      return false;
    }
    hideConfirm();
    await loadProjects();
    tenancy.usageChanged(tenant.id);
    announce(`${project.name} is deleted.`);
    focus($.projectsTitle);
    return true;
  });
}

onSubmit($.projectForm, async () => {
  const tenant = selected;
  if (!tenant) return;
  setError($.projectsError, '');
  $.projectDone.textContent = '';
  hideConfirm();
  const name = $.projectName.value.trim();
  const description = $.projectDescription.value.trim();
  let created;
  try {
    created = await api.createProject(headerOf(tenant), description ? { name, description } : { name });
  } catch (error) {
    await itemRefused(error, $.projectsError, loadProjects);
    $.projectName.focus();
    return;
  }
  if (selected !== tenant) return;
  $.projectName.value = '';
  $.projectDescription.value = '';
  $.projectDone.textContent = `${created.name} is created in ${tenant.personal ? 'your personal organisation' : tenant.name}.`;
  announce('Project created.');
  await loadProjects();
  tenancy.usageChanged(tenant.id);
});

// ---------------------------------------------------------------- support tickets

async function loadTickets() {
  const tenant = selected;
  if (!tenant) return;
  const ticket = loading;
  try {
    const page = await api.listTickets(headerOf(tenant), PAGE_SIZE);
    if (ticket !== loading) return;
    $.ticketsRows.replaceChildren(...page.items.map(ticketRow));
    $.ticketsCount.textContent = pageCount(page, 'ticket');
  } catch (error) {
    if (ticket === loading) setError($.ticketsError, explainWork(error));
  }
}

/**
 * The first words of a text, on one line.
 * @param {string} text
 * @param {number} max
 */
function excerpt(text, max) {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** @param {Ticket} ticket */
function ticketRow(ticket) {
  const subject = el('td', { className: 'who' }, [el('span', { text: ticket.subject })]);
  subject.append(el('br'), el('span', { className: 'meta', text: excerpt(ticket.body, 120) }));
  const attrs = { 'data-ticket-id': ticket.id, 'data-tenant-id': ticket.tenant_id, 'data-status': ticket.status };
  return el('tr', { attrs }, [
    subject,
    el('td', { text: PRIORITY_TEXT[ticket.priority] ?? ticket.priority }),
    el('td', { text: TICKET_STATUS_TEXT[ticket.status] ?? ticket.status }),
    el('td', { className: 'who', text: whoIs(ticket.owner_id) }),
    el('td', {}, [time(ticket.created_at)]),
  ]);
}

onSubmit($.ticketForm, async () => {
  const tenant = selected;
  if (!tenant) return;
  setError($.ticketsError, '');
  $.ticketDone.textContent = '';
  const subject = $.ticketSubject.value.trim();
  const body = $.ticketBody.value;
  const priority = /** @type {import('./api.js').TicketPriority} */ (
    ['low', 'normal', 'high', 'urgent'].includes($.ticketPriority.value) ? $.ticketPriority.value : 'normal'
  );
  let created;
  try {
    created = await api.createTicket(headerOf(tenant), { subject, body, priority });
  } catch (error) {
    await itemRefused(error, $.ticketsError, loadTickets);
    $.ticketSubject.focus();
    return;
  }
  if (selected !== tenant) return;
  $.ticketSubject.value = '';
  $.ticketBody.value = '';
  $.ticketPriority.value = 'normal';
  $.ticketDone.textContent = `Ticket “${created.subject}” is open.`;
  announce('Ticket opened.');
  await loadTickets();
});

// ---------------------------------------------------------------- community posts

async function loadPosts() {
  const tenant = selected;
  if (!tenant) return;
  const ticket = loading;
  try {
    const page = await api.listPosts(headerOf(tenant), PAGE_SIZE);
    if (ticket !== loading) return;
    $.postsRows.replaceChildren(...page.items.map(postRow));
    $.postsCount.textContent = pageCount(page, 'post');
  } catch (error) {
    if (ticket === loading) setError($.postsError, explainWork(error));
  }
}

/** @param {Post} post */
function postRow(post) {
  const title = el('td', { className: 'who' }, [el('span', { text: post.title })]);
  title.append(el('br'), el('span', { className: 'meta', text: excerpt(post.body, 160) }));
  return el('tr', { attrs: { 'data-post-id': post.id, 'data-tenant-id': post.tenant_id } }, [
    title,
    el('td', { className: 'who', text: whoIs(post.author_id) }),
    el('td', {}, [time(post.created_at)]),
  ]);
}

onSubmit($.postForm, async () => {
  const tenant = selected;
  if (!tenant) return;
  setError($.postsError, '');
  $.postDone.textContent = '';
  const title = $.postTitle.value.trim();
  const body = $.postBody.value;
  let created;
  try {
    created = await api.createPost(headerOf(tenant), { title, body });
  } catch (error) {
    await itemRefused(error, $.postsError, loadPosts);
    $.postTitle.focus();
    return;
  }
  if (selected !== tenant) return;
  $.postTitle.value = '';
  $.postBody.value = '';
  $.postDone.textContent = `“${created.title}” is published.`;
  announce('Post published.');
  await loadPosts();
});

// ---------------------------------------------------------------- files

async function loadFiles() {
  const tenant = selected;
  if (!tenant) return;
  const ticket = loading;
  try {
    const page = await api.listFiles(headerOf(tenant), PAGE_SIZE);
    if (ticket !== loading) return;
    $.filesRows.replaceChildren(...page.items.map(fileRow));
    $.filesCount.textContent = pageCount(page, 'file');
  } catch (error) {
    if (ticket === loading) setError($.filesError, explainWork(error));
  }
}

/** @param {StoredFile} file */
function fileRow(file) {
  const name = el('td', { className: 'who' }, [el('span', { text: file.filename })]);
  name.append(el('br'), el('span', { className: 'meta', text: file.content_type }));
  const actions = el('div', { className: 'row-actions' }, [
    rowButton('Download', `Download ${file.filename}`, () => download(file)),
  ]);
  if (mayChange(file.owner_id)) {
    actions.append(
      rowButton(
        'Delete',
        `Delete the file ${file.filename}`,
        () => Promise.resolve(askToDeleteFile(file)),
        'secondary danger-text',
      ),
    );
  }
  const attrs = { 'data-file-id': file.id, 'data-tenant-id': file.tenant_id, 'data-owner-id': file.owner_id };
  return el('tr', { attrs }, [
    name,
    el('td', { text: bytes(file.size) }),
    el('td', { className: 'who', text: whoIs(file.owner_id) }),
    el('td', {}, [time(file.created_at)]),
    el('td', {}, [actions]),
  ]);
}

/** @param {StoredFile} file */
async function download(file) {
  const tenant = selected;
  if (!tenant) return;
  setError($.filesError, '');
  let blob;
  try {
    blob = await api.downloadFile(headerOf(tenant), file.id);
  } catch (error) {
    await itemRefused(error, $.filesError, loadFiles, file.filename);
    return;
  }
  saveBlob(file.filename, blob);
  announce(`${file.filename} is downloaded.`);
}

/** @param {StoredFile} file */
function askToDeleteFile(file) {
  const tenant = selected;
  if (!tenant) return;
  setError($.filesError, '');
  askToConfirm(`Delete the file ${file.filename}? Its content is erased.`, 'Delete the file', async () => {
    try {
      await api.deleteFile(headerOf(tenant), file.id);
    } catch (error) {
      hideConfirm();
      await itemRefused(error, $.filesError, loadFiles, file.filename);
      return false;
    }
    hideConfirm();
    await loadFiles();
    tenancy.usageChanged(tenant.id);
    announce(`${file.filename} is deleted.`);
    focus($.filesTitle);
    return true;
  });
}

onSubmit($.uploadForm, async () => {
  const tenant = selected;
  const file = $.uploadFile.files?.[0];
  if (!tenant || !file) return;
  setError($.filesError, '');
  $.uploadDone.textContent = '';
  hideConfirm();
  let stored;
  try {
    stored = await api.uploadFile(headerOf(tenant), file);
  } catch (error) {
    await itemRefused(error, $.filesError, loadFiles, file.name);
    return;
  }
  if (selected !== tenant) return;
  $.uploadFile.value = '';
  $.uploadDone.textContent = `${stored.filename} is uploaded (${bytes(stored.size)}).`;
  announce('File uploaded.');
  await loadFiles();
  tenancy.usageChanged(tenant.id);
});

// ---------------------------------------------------------------- account

/**
 * The signed-in user: the workspace waits for their organisations (from the organisations card).
 * @param {User} user
 */
export function showWorkspace(user) {
  me = user;
  $.title.textContent = 'Workspace';
  $.summary.textContent = 'Loading your organisations…';
}

/** Forgets everything shown for the last account (the remembered choice stays for its next sign-in). */
export function clearWorkspace() {
  me = null;
  tenants = [];
  selected = null;
  people = new Map();
  loading += 1;
  hideConfirm();
  clearProblem();
  clearLists();
  $.select.replaceChildren();
  show(false, $.switcher, $.sections);
  $.notice.textContent = '';
  $.summary.textContent = '';
  $.title.textContent = 'Workspace';
  for (const input of [$.projectName, $.projectDescription, $.ticketSubject, $.ticketBody, $.postTitle, $.postBody]) {
    input.value = '';
  }
  $.ticketPriority.value = 'normal';
  $.uploadFile.value = '';
}
