import { readFileSync } from 'node:fs';
import { generateSync } from 'otplib';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { createTestApp, type TestApp } from './support/app';
import { bearer, loginPerson, type Person, person, STRONG_PASSWORD, uniqueEmail } from './support/auth';
import { type BrowserDiagnostics, instrumentedContext, launchChromium, screenshot } from './support/browser';
import { expectClean, signIn, text } from './support/console-page';
import { FakeSmtpServer } from './support/fake-smtp-server';

const ADMIN_EMAIL = 'tenancy.admin@example.com';
const ADMIN_PASSWORD = 'tenancy-admin-passphrase-Tr0ub4dor';
/** The links in mails name this host; the tests open their tokens on the test server. */
const PUBLIC_BASE_URL = 'https://bastion.example';

// ------------------------------------------------------------------ browser helpers (the shared ones: support/console-page.ts)

/** A row of the signed-in user's organisations. */
const orgRow = (page: Page, id: string): Locator => page.locator(`#orgs-rows tr[data-tenant-id="${id}"]`);
/** A row of the open organisation's members. */
const memberRow = (page: Page, userId: string): Locator => page.locator(`#org-members-rows tr[data-user-id="${userId}"]`);
/** A row of the platform admins' tenants card. */
const tenantRow = (page: Page, id: string): Locator => page.locator(`#tenants-rows tr[data-tenant-id="${id}"]`);
/** A row of the workspace's projects, by its name. */
const projectRow = (page: Page, name: string): Locator => page.locator('#projects-rows tr', { hasText: name });
/** The organisation switcher in the page's header. */
const switcher = (page: Page): Locator => page.getByLabel('Organisation', { exact: true });
/** The value of one line of the open organisation's usage ("Projects" → "2 / 3"). */
const usage = (page: Page, key: string): Promise<string> => text(page, `#org-usage-list dd[data-usage="${key}"]`);

async function cells(row: Locator): Promise<string[]> {
  return row.locator('td').allTextContents();
}

/** Waits for the polite status region to say this (it speaks once the lists are read again). */
const announced = (page: Page, message: string): Promise<void> => page.locator('#status').filter({ hasText: message }).waitFor();

const activeElementId = (page: Page): Promise<string> => page.evaluate<string>('document.activeElement.id');

const totpNow = (secret: string): string => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) });

/**
 * The console's organisation pages, in Chromium: creating an organisation, its members and
 * their roles, leaving, renaming and deleting, invitations and the `#/join` page, and the
 * platform admins' tenants card.
 */
describe('account console: organisations and tenants (e2e, Chromium)', () => {
  let smtp: FakeSmtpServer;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let diagnostics: BrowserDiagnostics;
  let page: Page;

  /** A shared organisation made through the API, `owner` its owner. */
  async function createTenant(owner: Person, name: string, slug: string): Promise<string> {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/tenants',
      headers: bearer(owner.tokens),
      payload: { name, slug },
    });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  }

  /**
   * Makes `who` a member of a tenant straight in the database (a shortcut: the way in through the
   * API and the console, an invitation, is tested on its own below).
   */
  async function addMember(tenantId: string, who: Person, role: 'owner' | 'admin' | 'member'): Promise<void> {
    await t.db.query('INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)', [tenantId, who.id, role]);
  }

  /** A project made through the API: in the personal organisation of `who`, or in `tenantId` (`X-Tenant-Id`). */
  async function createProject(who: Person, name: string, tenantId?: string): Promise<string> {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: { ...bearer(who.tokens), ...(tenantId ? { 'x-tenant-id': tenantId } : {}) },
      payload: { name },
    });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  }

  /** Changes an organisation's settings through the API as its owner (PATCH with the ETag read first). */
  async function setSettings(owner: Person, tenantId: string, settings: Record<string, unknown>): Promise<void> {
    const read = await t.inject({ method: 'GET', url: `/api/v1/tenants/${tenantId}`, headers: bearer(owner.tokens) });
    const res = await t.inject({
      method: 'PATCH',
      url: `/api/v1/tenants/${tenantId}`,
      headers: { ...bearer(owner.tokens), 'if-match': read.headers.etag as string },
      payload: { settings },
    });
    expect(res.statusCode).toBe(200);
  }

  async function roleInDb(tenantId: string, userId: string): Promise<string | null> {
    const rows = await t.db.query<{ role: string }>('SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2', [
      tenantId,
      userId,
    ]);
    return rows[0]?.role ?? null;
  }

  beforeAll(async () => {
    smtp = await FakeSmtpServer.start();
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD, PUBLIC_BASE_URL, ...smtp.env() } });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.stop();
  });

  beforeEach(async () => {
    ({ context, diagnostics } = await instrumentedContext(browser, { viewport: { width: 1100, height: 900 } }));
    page = await context.newPage();
  });
  afterEach(async () => {
    await context.close();
  });

  it('creates an organisation: the slug is suggested from the name, a taken or reserved slug is refused, and I own it', async () => {
    const me = await person(t, 'org-creator');
    await page.goto(`${base}/console/`);
    await signIn(page, me.email, STRONG_PASSWORD);

    // The personal organisation comes first, with its badge.
    const personal = page.locator('#orgs-rows tr[data-personal="true"]');
    await personal.waitFor();
    expect(await personal.getAttribute('data-role')).toBe('owner');
    expect(await personal.locator('.badge').textContent()).toBe('Personal');
    expect((await cells(personal)).slice(1, 4)).toEqual([`u-${me.id.replace(/-/g, '')}`, 'Owner', 'Active']);

    const form = page.locator('#new-org-form');
    const name = form.getByLabel('Name', { exact: true });
    const slug = form.getByLabel('Slug', { exact: true });
    await name.pressSequentially('Café Ünïcode & Co!');
    expect(await slug.inputValue()).toBe('cafe-unicode-co');
    // A slug typed by hand stays while the name changes; an emptied one takes suggestions again.
    await slug.fill('acme-labs');
    await name.fill('Acme Laboratories');
    expect(await slug.inputValue()).toBe('acme-labs');
    await form.getByRole('button', { name: 'Create the organisation' }).click();
    await page.locator('#new-org-done').filter({ hasText: 'Acme Laboratories is created, with you as its owner.' }).waitFor();
    const row = page.locator('#orgs-rows tr', { hasText: 'acme-labs' });
    await row.waitFor();
    expect(await row.getAttribute('data-role')).toBe('owner');
    expect(await cells(row)).toEqual(['Acme Laboratories', 'acme-labs', 'Owner', 'Active', 'Members']);
    expect(await page.locator('#orgs-rows tr').count()).toBe(2);
    expect(await text(page, '#orgs-count')).toBe('You belong to 2 organisations.');
    const tenantId = (await row.getAttribute('data-tenant-id'))!;
    expect(await roleInDb(tenantId, me.id)).toBe('owner');
    expect(await name.inputValue()).toBe('');
    expect(await slug.inputValue()).toBe('');

    await name.fill('Acme Labs');
    expect(await slug.inputValue()).toBe('acme-labs');
    await form.getByRole('button', { name: 'Create the organisation' }).click();
    await page
      .locator('#new-org-error')
      .filter({ hasText: 'Another organisation already uses this slug; choose another.' })
      .waitFor();
    expect(await page.locator('#new-org-error').getAttribute('role')).toBe('alert');
    expect(await activeElementId(page)).toBe('new-org-slug');
    await screenshot(page, 'organisations-slug-taken');

    await slug.fill('admin');
    await form.getByRole('button', { name: 'Create the organisation' }).click();
    await page.locator('#new-org-error').filter({ hasText: 'slug cannot be "admin"' }).waitFor();
    expect(await page.locator('#orgs-rows tr').count()).toBe(2);
    expectClean(diagnostics, ['409 /api/v1/tenants', '400 /api/v1/tenants']);
  });

  it('an owner makes a member admin and back, cannot demote the last owner, removes the member, renames and deletes', async () => {
    const owner = await person(t, 'org-owner');
    const other = await person(t, 'org-other');
    const tenantId = await createTenant(owner, 'Rocket Works', 'rocket-works');
    await addMember(tenantId, other, 'member');

    await page.goto(`${base}/console/`);
    await signIn(page, owner.email, STRONG_PASSWORD);
    await orgRow(page, tenantId).getByRole('button', { name: 'Members of Rocket Works' }).click();
    const panel = page.locator('#org');
    await memberRow(page, other.id).waitFor();
    expect(await text(page, '#org-title')).toBe('Rocket Works');
    expect(await activeElementId(page)).toBe('org-title');
    expect(new URL(page.url()).hash).toBe(`#/organisations/${tenantId}`);
    expect(await page.locator('#org-members-rows tr').count()).toBe(2);
    expect(await memberRow(page, owner.id).locator('.badge').textContent()).toBe('You');
    expect(await memberRow(page, other.id).locator('option').allTextContents()).toEqual(['Owner', 'Admin', 'Member']);
    // Nobody leaves from someone else's row; the owner's own row has Leave.
    expect(await memberRow(page, other.id).getByRole('button', { name: 'Leave' }).count()).toBe(0);
    expect(await memberRow(page, owner.id).getByRole('button', { name: 'Leave Rocket Works' }).count()).toBe(1);

    await panel.getByLabel(`Role of ${other.email}`, { exact: true }).selectOption('admin');
    await panel.getByRole('button', { name: `Change the role of ${other.email}` }).click();
    await announced(page, `${other.email} is now an admin of Rocket Works.`);
    expect(await memberRow(page, other.id).getAttribute('data-role')).toBe('admin');
    expect(await roleInDb(tenantId, other.id)).toBe('admin');

    await panel.getByLabel(`Role of ${other.email}`, { exact: true }).selectOption('member');
    await panel.getByRole('button', { name: `Change the role of ${other.email}` }).click();
    await announced(page, `${other.email} is now a member of Rocket Works.`);
    expect(await roleInDb(tenantId, other.id)).toBe('member');

    // The only owner cannot demote themself: 409 last_owner, said in the card; nothing changes.
    await panel.getByLabel(`Role of ${owner.email}`, { exact: true }).selectOption('member');
    await panel.getByRole('button', { name: `Change the role of ${owner.email}` }).click();
    await page
      .locator('#org-error')
      .filter({
        hasText: `${owner.email}: An organisation must keep at least one owner: make another member an owner first, or delete the organisation.`,
      })
      .waitFor();
    expect(await panel.getByLabel(`Role of ${owner.email}`, { exact: true }).inputValue()).toBe('owner');
    expect(await roleInDb(tenantId, owner.id)).toBe('owner');
    await screenshot(page, 'organisation-last-owner');

    // Removing asks first, inside the page.
    await panel.getByRole('button', { name: `Remove ${other.email}` }).click();
    const confirmation = page.locator('#org-confirm');
    await confirmation.waitFor();
    expect(await text(page, '#org-confirm-text')).toBe(
      `Remove ${other.email} from Rocket Works? They lose access to it at once.`,
    );
    expect(await activeElementId(page)).toBe('org-confirm-yes');
    expect(await page.locator('#org-error').isVisible()).toBe(false);
    await confirmation.getByRole('button', { name: 'Remove the member' }).click();
    await memberRow(page, other.id).waitFor({ state: 'detached' });
    await announced(page, `${other.email} is no longer a member of Rocket Works.`);
    expect(await roleInDb(tenantId, other.id)).toBeNull();
    expect(await confirmation.isHidden()).toBe(true);

    await panel.getByLabel('Name of the organisation').fill('Rocket Works Ltd');
    await panel.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.locator('#org-title').filter({ hasText: 'Rocket Works Ltd' }).waitFor();
    await orgRow(page, tenantId).filter({ hasText: 'Rocket Works Ltd' }).waitFor();
    await announced(page, 'The organisation is now called Rocket Works Ltd.');

    // Deleting asks first; Cancel changes nothing.
    await panel.getByRole('button', { name: 'Delete this organisation…' }).click();
    await confirmation.waitFor();
    expect(await text(page, '#org-confirm-text')).toMatch(/^Delete Rocket Works Ltd\? /);
    await confirmation.getByRole('button', { name: 'Cancel' }).click();
    await confirmation.waitFor({ state: 'hidden' });
    await panel.getByRole('button', { name: 'Delete this organisation…' }).click();
    await screenshot(page, 'organisation-delete-confirm');
    await confirmation.getByRole('button', { name: 'Delete the organisation', exact: true }).click();
    await orgRow(page, tenantId).waitFor({ state: 'detached' });
    await panel.waitFor({ state: 'hidden' });
    await announced(page, 'Rocket Works Ltd is deleted.');
    expect(new URL(page.url()).hash).toBe('');
    expect(await t.db.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId])).toEqual([]);

    // The personal organisation: no role to change, no Leave, no Delete.
    await page
      .locator('#orgs-rows tr[data-personal="true"]')
      .getByRole('button', { name: /^Members of / })
      .click();
    await memberRow(page, owner.id).waitFor();
    expect(await text(page, '#org-notice')).toBe('Your personal organisation: it cannot be deleted and goes with your account.');
    expect(await memberRow(page, owner.id).locator('select, button').count()).toBe(0);
    expect(await panel.getByRole('button', { name: 'Delete this organisation…' }).isHidden()).toBe(true);
    // Nobody joins it: no invitations.
    expect(await page.locator('#org-invitations').isHidden()).toBe(true);
    await panel.getByRole('button', { name: 'Close' }).click();
    await panel.waitFor({ state: 'hidden' });
    expect(await activeElementId(page)).toBe('orgs-title');
    expect(new URL(page.url()).hash).toBe('');
    // The organisation has an address in the history: Back opens it again, Forward closes it.
    await page.goBack();
    await panel.waitFor();
    expect(await text(page, '#org-title')).toBe('Personal'); // named after the display name, which this account has not
    await page.goForward();
    await panel.waitFor({ state: 'hidden' });
    expectClean(diagnostics, [`409 /api/v1/tenants/${tenantId}/members/${owner.id}`]);
  });

  it('an admin of an organisation (opened from its address) may not touch its owner nor make owners, and may rename it', async () => {
    const owner = await person(t, 'org-boss');
    const admin = await person(t, 'org-deputy');
    const member = await person(t, 'org-crew');
    const tenantId = await createTenant(owner, 'Harbour Lights', 'harbour-lights');
    await addMember(tenantId, admin, 'admin');
    await addMember(tenantId, member, 'member');

    // The address of the organisation survives signing in.
    await page.goto(`${base}/console/#/organisations/${tenantId}`);
    await signIn(page, admin.email, STRONG_PASSWORD);
    await memberRow(page, member.id).waitFor();
    expect(await text(page, '#org-title')).toBe('Harbour Lights');
    expect(await text(page, '#org-summary')).toBe('Slug harbour-lights · your role: Admin · Active');

    const ownerRow = memberRow(page, owner.id);
    expect(await ownerRow.locator('select, button').count()).toBe(0);
    expect((await cells(ownerRow))[1]).toBe('Owner');
    expect(await memberRow(page, member.id).locator('option').allTextContents()).toEqual(['Admin', 'Member']);
    expect(
      await memberRow(page, member.id)
        .getByRole('button', { name: `Remove ${member.email}` })
        .count(),
    ).toBe(1);
    expect(await memberRow(page, admin.id).locator('option').allTextContents()).toEqual(['Admin', 'Member']);
    expect(await memberRow(page, admin.id).getByRole('button', { name: 'Leave Harbour Lights' }).count()).toBe(1);
    expect(await page.locator('#org-rename-form').isVisible()).toBe(true);
    expect(await page.locator('#org-delete').isHidden()).toBe(true);
    await screenshot(page, 'organisation-admin-view');
    expectClean(diagnostics);
  });

  it('a member sees the members without controls and leaves the organisation', async () => {
    const owner = await person(t, 'org-keeper');
    const member = await person(t, 'org-leaver');
    const tenantId = await createTenant(owner, 'Quokka Club', 'quokka-club');
    await addMember(tenantId, member, 'member');

    await page.goto(`${base}/console/`);
    await signIn(page, member.email, STRONG_PASSWORD);
    const row = orgRow(page, tenantId);
    await row.waitFor();
    expect(await row.getAttribute('data-role')).toBe('member');
    await row.getByRole('button', { name: 'Members of Quokka Club' }).click();
    await memberRow(page, member.id).waitFor();
    expect(await page.locator('#org-members-rows select').count()).toBe(0);
    expect(await page.locator('#org-members-rows button').allTextContents()).toEqual(['Leave']);
    expect(await page.locator('#org-rename-form').isHidden()).toBe(true);

    await page.getByRole('button', { name: 'Leave Quokka Club' }).click();
    await page.locator('#org-confirm').getByRole('button', { name: 'Leave the organisation' }).click();
    await row.waitFor({ state: 'detached' });
    await page.locator('#org').waitFor({ state: 'hidden' });
    await announced(page, 'You left Quokka Club.');
    expect(new URL(page.url()).hash).toBe('');
    expect(await roleInDb(tenantId, member.id)).toBeNull();
    expect(await roleInDb(tenantId, owner.id)).toBe('owner');
    expectClean(diagnostics);
  });

  it('an owner invites from the panel; the invitee signs in from the mailed #/join link and joins once; a pending invitation is revoked', async () => {
    const owner = await person(t, 'org-inviter');
    const invitee = await person(t, 'org-invitee');
    const later = uniqueEmail('org-not-yet');
    const tenantId = await createTenant(owner, 'Nebula Forge', 'nebula-forge');

    await page.goto(`${base}/console/#/organisations/${tenantId}`);
    await signIn(page, owner.email, STRONG_PASSWORD);
    await memberRow(page, owner.id).waitFor();
    const invitations = page.locator('#org-invitations');
    await page.locator('#org-invitations-count').filter({ hasText: 'No pending invitation.' }).waitFor();
    await invitations.getByLabel('Email').fill(invitee.email);
    expect(await invitations.getByLabel('Role').inputValue()).toBe('member');
    await invitations.getByRole('button', { name: 'Invite', exact: true }).click();
    await page
      .locator('#org-invite-done')
      .filter({ hasText: `Invitation sent to ${invitee.email} (member).` })
      .waitFor();
    expect(await invitations.getByLabel('Email').inputValue()).toBe('');
    await invitations.getByLabel('Email').fill(later);
    await invitations.getByLabel('Role').selectOption('admin');
    await invitations.getByRole('button', { name: 'Invite', exact: true }).click();
    await page.locator('#org-invitations-count').filter({ hasText: '2 pending invitations, the newest first.' }).waitFor();
    const [email, role, expires, status, actions] = await cells(page.locator('#org-invitations-rows tr', { hasText: later }));
    expect([email, role, status, actions]).toEqual([later, 'Admin', 'Pending', 'Revoke']);
    expect(expires).toMatch(/\d/);
    await screenshot(page, 'organisation-invitations');

    const token = await smtp.linkToken(invitee.email, /you are invited to join Nebula Forge/, 'join');

    // The invitee opens the link signed out, in another browser: the token leaves the address bar at once.
    const guest = await instrumentedContext(browser, { viewport: { width: 1100, height: 900 } });
    try {
      const tab = await guest.context.newPage();
      await tab.goto(`${base}/console/#/join?token=${token}`);
      await tab.locator('#login-notice').filter({ hasText: 'Sign in (or register with the invited address) to join' }).waitFor();
      expect(new URL(tab.url()).hash).toBe('');
      await signIn(tab, invitee.email, STRONG_PASSWORD);
      await tab.locator('#view-join').waitFor();
      expect(await text(tab, '#join-title')).toBe('Join organisation');
      expect(await activeElementId(tab)).toBe('join-title');
      await screenshot(tab, 'join-organisation');
      await tab.getByRole('button', { name: 'Join the organisation' }).click();
      await tab.locator('#org-title').filter({ hasText: 'Nebula Forge' }).waitFor();
      await announced(tab, 'You joined Nebula Forge.');
      expect(await text(tab, '#org-summary')).toBe('Slug nebula-forge · your role: Member · Active');
      expect(new URL(tab.url()).hash).toBe(`#/organisations/${tenantId}`);
      expect(await orgRow(tab, tenantId).getAttribute('data-role')).toBe('member');
      await memberRow(tab, invitee.id).waitFor();
      expect(await tab.locator('#org-invitations').isHidden()).toBe(true); // members do not see them
      expect(await roleInDb(tenantId, invitee.id)).toBe('member');

      // The link works once: pasted again into the open console, it is refused.
      await tab.evaluate(`window.location.hash = '#/join?token=${token}'`);
      await tab.locator('#view-join').waitFor();
      expect(new URL(tab.url()).hash).toBe('');
      await tab.getByRole('button', { name: 'Join the organisation' }).click();
      await tab
        .locator('#join-error')
        .filter({ hasText: 'This invitation link is invalid or has expired; ask for a new one.' })
        .waitFor();
      expect(await tab.getByRole('button', { name: 'Join the organisation' }).isHidden()).toBe(true);
      expectClean(guest.diagnostics, ['400 /api/v1/tenants/invitations/accept']);
    } finally {
      await guest.context.close();
    }

    // The owner revokes the other invitation, after confirming inside the page.
    await invitations.getByRole('button', { name: `Revoke the invitation of ${later}` }).click();
    const confirmation = page.locator('#org-confirm');
    await confirmation.waitFor();
    expect(await text(page, '#org-confirm-text')).toBe(
      `Revoke the invitation of ${later} to Nebula Forge? Its link stops working at once.`,
    );
    await confirmation.getByRole('button', { name: 'Revoke the invitation' }).click();
    await announced(page, `The invitation of ${later} is revoked.`);
    // The accepted one is no longer pending either.
    await page.locator('#org-invitations-count').filter({ hasText: 'No pending invitation.' }).waitFor();
    expect(await page.locator('#org-invitations-rows tr').count()).toBe(0);
    const [revoked] = await t.db.query<{ revoked: boolean }>(
      'SELECT revoked_at IS NOT NULL AS revoked FROM tenant_invitations WHERE tenant_id = $1 AND email = $2',
      [tenantId, later],
    );
    expect(revoked.revoked).toBe(true);
    expectClean(diagnostics);
  });

  it('a platform admin suspends a tenant and sets its quotas; its owner sees it suspended and cannot rename it', async () => {
    const owner = await person(t, 'org-suspended');
    const tenantId = await createTenant(owner, 'Lantern Guild', 'lantern-guild');

    // The owner has the organisation open (and may rename it) before the suspension.
    await page.goto(`${base}/console/`);
    await signIn(page, owner.email, STRONG_PASSWORD);
    await orgRow(page, tenantId).getByRole('button', { name: 'Members of Lantern Guild' }).click();
    await memberRow(page, owner.id).waitFor();
    expect(await page.locator('#org-rename-form').isVisible()).toBe(true);

    const operator = await instrumentedContext(browser, { viewport: { width: 1100, height: 900 } });
    try {
      const tab = await operator.context.newPage();
      await tab.goto(`${base}/console/`);
      await signIn(tab, ADMIN_EMAIL, ADMIN_PASSWORD);
      const card = tab.locator('#admin-tenants');
      await card.waitFor();
      await card.getByLabel('Search by name or slug').fill('lantern');
      await card.getByRole('button', { name: 'Search', exact: true }).click();
      await tab.locator('#tenants-count').filter({ hasText: '1 tenant matching “lantern”.' }).waitFor();
      const row = tenantRow(tab, tenantId);
      expect(await tab.locator('#tenants-rows tr').count()).toBe(1);
      const [who, status, members, quotas] = await cells(row);
      expect(who).toMatch(/^Lantern Guildlantern-guildcreated \d/);
      expect([status, members, quotas]).toEqual(['Active', '1', 'Unlimited']);

      await card.getByRole('button', { name: 'Suspend Lantern Guild (lantern-guild)' }).click();
      await tab.locator(`#tenants-rows tr[data-tenant-id="${tenantId}"][data-status="suspended"]`).waitFor();
      await announced(tab, 'Lantern Guild is suspended.');

      await card.getByRole('button', { name: 'Edit the quotas of Lantern Guild (lantern-guild)' }).click();
      const quotasForm = tab.locator('#tenant-quotas');
      await quotasForm.waitFor();
      expect(await text(tab, '#tenant-quotas-title')).toBe('Quotas of Lantern Guild');
      expect(await activeElementId(tab)).toBe('quota-max-members');
      await quotasForm.getByLabel('Maximum members').fill('5');
      await quotasForm.getByLabel('Maximum requests per minute').fill('600');
      await screenshot(tab, 'admin-tenants-quotas');
      await quotasForm.getByRole('button', { name: 'Save the quotas' }).click();
      await quotasForm.waitFor({ state: 'hidden' });
      await row.locator('td.quotas').filter({ hasText: '5 members, 600 requests a minute' }).waitFor();
      await announced(tab, 'The quotas of Lantern Guild are saved.');
      const [stored] = await t.db.query<{ status: string; quotas: Record<string, unknown> }>(
        'SELECT status, quotas FROM tenants WHERE id = $1',
        [tenantId],
      );
      expect(stored.status).toBe('suspended');
      expect(stored.quotas).toMatchObject({ max_members: 5, max_requests_per_minute: 600 });

      // Emptying a field makes that quota unlimited again.
      await card.getByRole('button', { name: 'Edit the quotas of Lantern Guild (lantern-guild)' }).click();
      expect(await quotasForm.getByLabel('Maximum members').inputValue()).toBe('5');
      await quotasForm.getByLabel('Maximum requests per minute').fill('');
      await quotasForm.getByRole('button', { name: 'Save the quotas' }).click();
      await row
        .locator('td.quotas')
        .filter({ hasText: /^5 members$/ })
        .waitFor();

      // The status filter.
      await card.getByLabel('Status', { exact: true }).selectOption('active');
      await tab.locator('#tenants-count').filter({ hasText: '0 active tenants matching “lantern”.' }).waitFor();
      await card.getByLabel('Status', { exact: true }).selectOption('suspended');
      await tab.locator('#tenants-count').filter({ hasText: '1 suspended tenant matching “lantern”.' }).waitFor();
      await row.waitFor();
      await screenshot(tab, 'admin-tenants');
      expectClean(operator.diagnostics);
    } finally {
      await operator.context.close();
    }

    // The owner's page still offers the rename: the API refuses (403 tenant_suspended), and the card says so.
    await page.locator('#org').getByLabel('Name of the organisation').fill('Lantern Guild Two');
    await page.locator('#org').getByRole('button', { name: 'Rename', exact: true }).click();
    await page
      .locator('#org-error')
      .filter({ hasText: 'This organisation is suspended: it can be read, but nothing in it can be changed.' })
      .waitFor();
    await page.locator(`#orgs-rows tr[data-tenant-id="${tenantId}"][data-status="suspended"]`).waitFor();
    expect((await cells(orgRow(page, tenantId)))[3]).toBe('Suspended');
    await page.locator('#org-rename-form').waitFor({ state: 'hidden' });
    expect(await text(page, '#org-notice')).toMatch(/^This organisation is suspended by the platform’s administrators/);
    expect(await text(page, '#org-summary')).toBe('Slug lantern-guild · your role: Owner · Suspended');
    expect(await page.locator('#org-error').isVisible()).toBe(true);
    await screenshot(page, 'organisation-suspended');
    const [unchanged] = await t.db.query<{ name: string }>('SELECT name FROM tenants WHERE id = $1', [tenantId]);
    expect(unchanged.name).toBe('Lantern Guild');

    // After a reload the address opens the organisation again, suspended, without asking for its members.
    await page.reload();
    await page.locator('#org-notice').filter({ hasText: 'suspended' }).waitFor();
    expect(await page.locator('#org-members').isHidden()).toBe(true);
    expectClean(diagnostics, [`403 /api/v1/tenants/${tenantId}`]);
  });

  // ---------------------------------------------------------------- the workspace and its organisation switcher

  it('the switcher shows a shared organisation’s projects, tickets, posts and files (X-Tenant-Id), remembers it, and goes back to personal', async () => {
    const owner = await person(t, 'ws-owner');
    const colleague = await person(t, 'ws-colleague');
    const tenantId = await createTenant(owner, 'Orbit Labs', 'orbit-labs');
    await addMember(tenantId, colleague, 'member');
    await createProject(owner, 'Personal plan');
    await createProject(colleague, 'Shared roadmap', tenantId);

    // Which organisation every call to the tenant-owned routes named.
    const calls: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (/^\/api\/v1\/(projects|support|community|files)/.test(url.pathname)) {
        calls.push(`${request.method()} ${url.pathname} ${request.headers()['x-tenant-id'] ?? 'personal'}`);
      }
    });

    await page.goto(`${base}/console/`);
    await signIn(page, owner.email, STRONG_PASSWORD);
    await projectRow(page, 'Personal plan').waitFor();
    expect(await switcher(page).locator('option').allTextContents()).toEqual(['Personal', 'Orbit Labs']);
    expect(await text(page, '#work-title')).toBe('Workspace: Personal');
    await page.locator('#files-count').filter({ hasText: 'No file yet.' }).waitFor();
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.every((call) => call.endsWith(' personal'))).toBe(true);
    calls.length = 0;

    await switcher(page).selectOption({ label: 'Orbit Labs' });
    await projectRow(page, 'Shared roadmap').waitFor();
    await announced(page, 'Showing the workspace of Orbit Labs.');
    expect(await text(page, '#work-title')).toBe('Workspace: Orbit Labs');
    expect(await page.locator('#projects-rows tr').count()).toBe(1);
    const [name, status, by, created, actions] = await cells(projectRow(page, 'Shared roadmap'));
    expect([name, status, by, actions]).toEqual(['Shared roadmap', 'Active', colleague.email, 'ArchiveDelete']); // owners change all
    expect(created).toMatch(/\d/);
    expect(await page.evaluate<string | null>(`localStorage.getItem('bastion.tenant.${owner.id}')`)).toBe(tenantId);

    // A project, a ticket, a post and a file made in the console go into the organisation.
    const projectForm = page.locator('#new-project-form');
    await projectForm.getByLabel('Name', { exact: true }).fill('Launch checklist');
    await projectForm.getByLabel('Description (optional)').fill('Everything before the launch');
    await projectForm.getByRole('button', { name: 'Create the project' }).click();
    await page.locator('#new-project-done').filter({ hasText: 'Launch checklist is created in Orbit Labs.' }).waitFor();
    await projectRow(page, 'Launch checklist').waitFor();
    expect((await cells(projectRow(page, 'Launch checklist')))[2]).toBe('You');

    const ticketForm = page.locator('#new-ticket-form');
    await ticketForm.getByLabel('Subject').fill('Badge printer jams');
    await ticketForm.getByLabel('Priority').selectOption('high');
    await ticketForm.getByLabel('What happened?').fill('It jams on every second badge.');
    await ticketForm.getByRole('button', { name: 'Open the ticket' }).click();
    await page.locator('#tickets-rows tr', { hasText: 'Badge printer jams' }).waitFor();
    expect((await cells(page.locator('#tickets-rows tr', { hasText: 'Badge printer jams' }))).slice(1, 4)).toEqual([
      'High',
      'Open',
      'You',
    ]);

    const postForm = page.locator('#new-post-form');
    await postForm.getByLabel('Title').fill('Welcome aboard');
    await postForm.getByLabel('Text').fill('Say hello here.');
    await postForm.getByRole('button', { name: 'Publish the post' }).click();
    await page.locator('#posts-rows tr', { hasText: 'Welcome aboard' }).waitFor();

    await page
      .locator('#upload-form')
      .getByLabel('File', { exact: true })
      .setInputFiles({
        name: 'orbit-notes.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('Orbit notes: countdown at ten.\n'),
      });
    await page.locator('#upload-form').getByRole('button', { name: 'Upload' }).click();
    await page.locator('#upload-done').filter({ hasText: 'orbit-notes.txt is uploaded (31 B).' }).waitFor();
    const fileRow = page.locator('#files-rows tr', { hasText: 'orbit-notes.txt' });
    await fileRow.waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      fileRow.getByRole('button', { name: 'Download orbit-notes.txt' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('orbit-notes.txt');
    expect(readFileSync(await download.path(), 'utf8')).toBe('Orbit notes: countdown at ten.\n');
    await screenshot(page, 'workspace-shared');

    // Stored in the shared organisation, and seen there by its other member through the API.
    const [project] = await t.db.query<{ tenant_id: string; owner_id: string }>(
      'SELECT tenant_id, owner_id FROM projects WHERE name = $1',
      ['Launch checklist'],
    );
    expect(project).toEqual({ tenant_id: tenantId, owner_id: owner.id });
    for (const [table, column, value] of [
      ['support_tickets', 'subject', 'Badge printer jams'],
      ['community_posts', 'title', 'Welcome aboard'],
      ['files', 'filename', 'orbit-notes.txt'],
    ]) {
      const rows = await t.db.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${table} WHERE ${column} = $1`, [value]);
      expect(rows).toEqual([{ tenant_id: tenantId }]);
    }
    const seen = await t.inject({
      method: 'GET',
      url: '/api/v1/projects',
      headers: { ...bearer(colleague.tokens), 'x-tenant-id': tenantId },
    });
    expect(
      seen
        .json()
        .items.map((p: { name: string }) => p.name)
        .sort(),
    ).toEqual(['Launch checklist', 'Shared roadmap']);
    // Every call named the organisation: lists, creations, the upload and the download.
    expect(calls.length).toBeGreaterThanOrEqual(12);
    expect(calls.filter((call) => !call.endsWith(` ${tenantId}`))).toEqual([]);
    expect(calls).toEqual(
      expect.arrayContaining([
        `POST /api/v1/projects ${tenantId}`,
        `POST /api/v1/support/tickets ${tenantId}`,
        `POST /api/v1/community/posts ${tenantId}`,
        `POST /api/v1/files ${tenantId}`,
        expect.stringMatching(new RegExp(`^GET /api/v1/files/[0-9a-f-]{36}/content ${tenantId}$`)),
      ]),
    );

    // The choice survives a reload.
    await page.reload();
    await projectRow(page, 'Launch checklist').waitFor();
    expect(await text(page, '#work-title')).toBe('Workspace: Orbit Labs');
    expect(await switcher(page).inputValue()).toBe(tenantId);

    // Back to the personal organisation: only its own project.
    await switcher(page).selectOption({ label: 'Personal' });
    await page.locator('#work-title').filter({ hasText: 'Workspace: Personal' }).waitFor();
    await projectRow(page, 'Personal plan').waitFor();
    expect(await page.locator('#projects-rows tr').count()).toBe(1);
    await page.locator('#tickets-count').filter({ hasText: 'No ticket yet.' }).waitFor();
    expect(await page.locator('#files-rows tr').count()).toBe(0);
    expect(await page.evaluate<string | null>(`localStorage.getItem('bastion.tenant.${owner.id}')`)).toBeNull();
    expect(calls[calls.length - 1]).toMatch(/ personal$/);
    expectClean(diagnostics);
  });

  it('a member may change only their own items: a demoted admin’s delete is refused with forbidden, and the page follows', async () => {
    const owner = await person(t, 'ws-boss');
    const helper = await person(t, 'ws-helper');
    const tenantId = await createTenant(owner, 'Kite Works', 'kite-works');
    await addMember(tenantId, helper, 'admin');
    const ownersProject = await createProject(owner, 'Owner plan', tenantId);
    await createProject(helper, 'Helper notes', tenantId);

    await page.goto(`${base}/console/`);
    await signIn(page, helper.email, STRONG_PASSWORD);
    await switcher(page).locator('option', { hasText: 'Kite Works' }).waitFor({ state: 'attached' });
    await switcher(page).selectOption({ label: 'Kite Works' });
    await projectRow(page, 'Owner plan').waitFor();
    expect(await text(page, '#work-summary')).toContain('where you are an admin');
    // An admin may change every item.
    expect(await projectRow(page, 'Owner plan').getByRole('button', { name: 'Delete the project Owner plan' }).count()).toBe(1);

    // Meanwhile, the owner makes them a plain member.
    const demoted = await t.inject({
      method: 'PATCH',
      url: `/api/v1/tenants/${tenantId}/members/${helper.id}`,
      headers: bearer(owner.tokens),
      payload: { role: 'member' },
    });
    expect(demoted.statusCode).toBe(200);

    await projectRow(page, 'Owner plan').getByRole('button', { name: 'Delete the project Owner plan' }).click();
    await page.locator('#work-confirm').getByRole('button', { name: 'Delete the project' }).click();
    await page
      .locator('#projects-error')
      .filter({
        hasText:
          'Owner plan: You can change only your own items in this organisation; its owners and admins can change every item.',
      })
      .waitFor();
    expect(await page.locator('#projects-error').getAttribute('role')).toBe('alert');
    // The page read the role again: no more controls on the owner's project, still on one's own.
    await page.locator('#work-summary').filter({ hasText: 'where you are a member' }).waitFor();
    expect(await projectRow(page, 'Owner plan').locator('button').count()).toBe(0);
    expect(await projectRow(page, 'Helper notes').getByRole('button', { name: 'Delete the project Helper notes' }).count()).toBe(
      1,
    );
    expect(await orgRow(page, tenantId).getAttribute('data-role')).toBe('member');
    expect(await t.db.query('SELECT 1 AS kept FROM projects WHERE id = $1', [ownersProject])).toEqual([{ kept: 1 }]);
    await screenshot(page, 'workspace-forbidden');

    // Their own project they may still archive.
    await projectRow(page, 'Helper notes').getByRole('button', { name: 'Archive the project Helper notes' }).click();
    await announced(page, 'Helper notes is archived.');
    expect(await projectRow(page, 'Helper notes').getAttribute('data-status')).toBe('archived');
    expectClean(diagnostics, [`403 /api/v1/projects/${ownersProject}`]);
  });

  it('an organisation’s usage next to its quotas, its owner’s settings (checked per field, then saved), and quota_exceeded', async () => {
    const owner = await person(t, 'ws-settings');
    const colleague = await person(t, 'ws-settings-mate');
    const tenantId = await createTenant(owner, 'Comet Yard', 'comet-yard');
    await addMember(tenantId, colleague, 'member');
    await createProject(owner, 'First orbit', tenantId);
    await createProject(colleague, 'Second orbit', tenantId);
    const admin = await loginPerson(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    const quotas = await t.inject({
      method: 'PATCH',
      url: `/api/v1/admin/tenants/${tenantId}`,
      headers: bearer(admin.tokens),
      payload: { quotas: { max_projects: 3, max_storage_bytes: 2_000_000 } },
    });
    expect(quotas.statusCode).toBe(200);

    await page.goto(`${base}/console/#/organisations/${tenantId}`);
    await signIn(page, owner.email, STRONG_PASSWORD);
    await page.locator('#org-usage-list dd[data-usage="projects"]').waitFor();
    expect(await page.locator('#org-usage-list dt').allTextContents()).toEqual([
      'Members',
      'Projects',
      'Storage',
      'Requests this minute',
      'Requests today',
    ]);
    expect(await usage(page, 'members')).toBe('2 / unlimited');
    expect(await usage(page, 'projects')).toBe('2 / 3');
    expect(await usage(page, 'storage')).toBe('0 B / 2 MB');
    expect(await usage(page, 'requests-minute')).toMatch(/^[1-9]\d* \/ unlimited$/);
    expect(await usage(page, 'requests-day')).toMatch(/^[1-9]\d*$/);
    // Its recent activity (owners and admins): the platform admin's quota change is there.
    await page.locator('#org-activity-rows tr[data-type="tenancy.quotas_changed"]').waitFor();
    expect((await cells(page.locator('#org-activity-rows tr[data-type="tenancy.quotas_changed"]')))[3]).toBe('Someone else');
    expect((await cells(page.locator('#org-activity-rows tr[data-type="tenancy.tenant_created"]')))[3]).toBe('You');

    // The settings form, with the settings as they are; invalid values are shown under their fields.
    const settings = page.locator('#org-settings-form');
    expect(await settings.getByLabel('Require two-factor authentication').isChecked()).toBe(false);
    expect(await settings.getByLabel('Allowed email domains').inputValue()).toBe('');
    expect(await settings.getByLabel('Maximum session age (seconds)').inputValue()).toBe('');
    await settings.getByLabel('Allowed email domains').fill('Example.COM, not_a_domain');
    await settings.getByLabel('Maximum session age (seconds)').fill('60');
    await settings.getByRole('button', { name: 'Save the settings' }).click();
    await page
      .locator('#org-settings-domains-error')
      .filter({ hasText: '“not_a_domain” is not a domain name like example.com.' })
      .waitFor();
    expect(await text(page, '#org-settings-max-age-error')).toBe(
      'Enter whole seconds from 300 (5 minutes) to 31536000 (a year), or leave it empty for no limit.',
    );
    expect(await text(page, '#org-settings-error')).toBe('The settings are not saved: correct the fields marked below.');
    expect(await settings.getByLabel('Allowed email domains').getAttribute('aria-invalid')).toBe('true');
    expect(await settings.getByLabel('Maximum session age (seconds)').getAttribute('aria-invalid')).toBe('true');
    expect(await activeElementId(page)).toBe('org-settings-domains');
    await screenshot(page, 'organisation-settings-errors');

    await settings.getByLabel('Allowed email domains').fill('Example.COM\nexample.org, example.com');
    await settings.getByLabel('Maximum session age (seconds)').fill('3600');
    await settings.getByRole('button', { name: 'Save the settings' }).click();
    await announced(page, 'The settings of Comet Yard are saved.');
    expect(await text(page, '#org-settings-domains-error')).toBe('');
    expect(await settings.getByLabel('Allowed email domains').getAttribute('aria-invalid')).toBeNull();
    // Shown as stored: lower-cased, without repeats.
    expect(await settings.getByLabel('Allowed email domains').inputValue()).toBe('example.com\nexample.org');
    const [stored] = await t.db.query<{ settings: Record<string, unknown> }>('SELECT settings FROM tenants WHERE id = $1', [
      tenantId,
    ]);
    expect(stored.settings).toMatchObject({ allowed_email_domains: ['example.com', 'example.org'], session_max_age: 3600 });
    expect(stored.settings.mfa_required ?? false).toBe(false);
    // Saving again without a change sends nothing.
    await settings.getByRole('button', { name: 'Save the settings' }).click();
    await announced(page, 'The settings of Comet Yard are unchanged.');

    // Creating projects in the workspace: the usage follows; past the quota, the refusal says which quota.
    await switcher(page).selectOption({ label: 'Comet Yard' });
    await projectRow(page, 'Second orbit').waitFor();
    const projectForm = page.locator('#new-project-form');
    await projectForm.getByLabel('Name', { exact: true }).fill('Third orbit');
    await projectForm.getByRole('button', { name: 'Create the project' }).click();
    await projectRow(page, 'Third orbit').waitFor();
    await page.locator('#org-usage-list dd[data-usage="projects"]').filter({ hasText: '3 / 3' }).waitFor();
    await projectForm.getByLabel('Name', { exact: true }).fill('Fourth orbit');
    await projectForm.getByRole('button', { name: 'Create the project' }).click();
    await page
      .locator('#projects-error')
      .filter({
        hasText:
          'This organisation has reached its limit of 3 projects (3 in use): delete a project, or ask a platform administrator to raise the limit.',
      })
      .waitFor();
    expect(await page.locator('#projects-rows tr').count()).toBe(3);
    expect(await t.db.query('SELECT count(*)::int AS n FROM projects WHERE tenant_id = $1', [tenantId])).toEqual([{ n: 3 }]);
    await screenshot(page, 'organisation-usage-quota');

    // A member sees the usage, but neither the settings nor the activity.
    const mate = await instrumentedContext(browser, { viewport: { width: 1100, height: 900 } });
    try {
      const tab = await mate.context.newPage();
      await tab.goto(`${base}/console/#/organisations/${tenantId}`);
      await signIn(tab, colleague.email, STRONG_PASSWORD);
      await tab.locator('#org-usage-list dd[data-usage="projects"]').filter({ hasText: '3 / 3' }).waitFor();
      expect(await tab.locator('#org-settings-form').isHidden()).toBe(true);
      expect(await tab.locator('#org-activity').isHidden()).toBe(true);
      expectClean(mate.diagnostics);
    } finally {
      await mate.context.close();
    }
    // The settings changed elsewhere since the page read them: If-Match fails (412), the form shows them as they are now.
    await setSettings(owner, tenantId, { session_max_age: 7200 });
    await settings.getByLabel('Require two-factor authentication').check();
    await settings.getByRole('button', { name: 'Save the settings' }).click();
    await page
      .locator('#org-settings-error')
      .filter({ hasText: 'The organisation was changed elsewhere in the meantime. It is shown as it is now: try again.' })
      .waitFor();
    expect(await settings.getByLabel('Maximum session age (seconds)').inputValue()).toBe('7200');
    expect(await settings.getByLabel('Require two-factor authentication').isChecked()).toBe(false);
    const [kept] = await t.db.query<{ settings: Record<string, unknown> }>('SELECT settings FROM tenants WHERE id = $1', [
      tenantId,
    ]);
    expect(kept.settings.mfa_required ?? false).toBe(false);
    expectClean(diagnostics, [`400 /api/v1/tenants/${tenantId}`, '403 /api/v1/projects', `412 /api/v1/tenants/${tenantId}`]);
  });

  it('mfa_required: the owner turns it on without MFA, the workspace says so and points to MFA; with MFA on it opens', async () => {
    const owner = await person(t, 'ws-mfa');
    const tenantId = await createTenant(owner, 'Vault Row', 'vault-row');
    await createProject(owner, 'Vault inventory', tenantId);

    await page.goto(`${base}/console/#/organisations/${tenantId}`);
    await signIn(page, owner.email, STRONG_PASSWORD);
    await page.locator('#org-usage-list dd[data-usage="projects"]').waitFor();
    await switcher(page).selectOption({ label: 'Vault Row' });
    await projectRow(page, 'Vault inventory').waitFor();

    const settings = page.locator('#org-settings-form');
    await settings.getByLabel('Require two-factor authentication').check();
    await settings.getByRole('button', { name: 'Save the settings' }).click();
    await announced(page, 'The settings of Vault Row are saved.');
    const [stored] = await t.db.query<{ settings: Record<string, unknown> }>('SELECT settings FROM tenants WHERE id = $1', [
      tenantId,
    ]);
    expect(stored.settings).toMatchObject({ mfa_required: true });

    // The workspace reads the organisation again and gets the refusal, instead of its lists.
    const message =
      'This organisation requires two-factor authentication, and your account does not use it yet: turn it on under “Two-factor authentication” on this page, then try again.';
    await page.locator('#work-error').filter({ hasText: message }).waitFor();
    expect(await page.locator('#work-sections').isHidden()).toBe(true);
    expect(await page.locator('#org-usage-error').textContent()).toBe(message);
    await screenshot(page, 'workspace-mfa-required');

    // The personal organisation is not affected.
    await switcher(page).selectOption({ label: 'Personal' });
    await page.locator('#projects-count').filter({ hasText: 'No project yet.' }).waitFor();
    expect(await text(page, '#work-error')).toBe('');
    await switcher(page).selectOption({ label: 'Vault Row' });
    await page.locator('#work-error').filter({ hasText: message }).waitFor();

    // The button leads to the MFA settings; once MFA is on, the organisation opens.
    await page.getByRole('button', { name: 'Go to two-factor authentication' }).click();
    expect(await activeElementId(page)).toBe('mfa-title');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.locator('#mfa-enrol').waitFor();
    const secret = await text(page, '#mfa-secret');
    await page.getByLabel('Code from the app').fill(totpNow(secret));
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await projectRow(page, 'Vault inventory').waitFor();
    expect(await text(page, '#work-error')).toBe('');
    expect(await page.locator('#work-go-mfa').isHidden()).toBe(true);
    expectClean(diagnostics, [
      '403 /api/v1/projects?page_size=50',
      `403 /api/v1/tenants/${tenantId}/usage`,
      '403 /api/v1/projects?page_size=50',
    ]);
  });

  it('session_max_age: a session older than it is told to sign in again, without refreshing in a loop', async () => {
    const owner = await person(t, 'ws-session');
    const tenantId = await createTenant(owner, 'Short Fuse', 'short-fuse');
    await createProject(owner, 'Fuse checks', tenantId);
    await setSettings(owner, tenantId, { session_max_age: 300 });

    await page.goto(`${base}/console/`);
    await signIn(page, owner.email, STRONG_PASSWORD);
    await page.locator('#projects-count').filter({ hasText: 'No project yet.' }).waitFor();
    // This session began an hour ago (as far as the server knows).
    await t.db.query(`UPDATE user_sessions SET created_at = now() - interval '1 hour' WHERE user_id = $1`, [owner.id]);

    const refreshes: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/v1/auth/refresh') refreshes.push(request.url());
    });
    await switcher(page).selectOption({ label: 'Short Fuse' });
    await page
      .locator('#work-error')
      .filter({
        hasText:
          'This organisation accepts a session only for 5 minutes after signing in, and yours began earlier: sign out and sign in again to continue.',
      })
      .waitFor();
    // Refreshing would keep the session's start: the page does not try.
    await page.waitForTimeout(300);
    expect(refreshes).toEqual([]);
    expect(await page.locator('#view-account').isVisible()).toBe(true);
    await screenshot(page, 'workspace-session-too-old');

    await page.getByRole('button', { name: 'Sign in again' }).click();
    await page.locator('#view-login').waitFor();
    expect(await text(page, '#login-notice')).toBe('Sign in again to continue in Short Fuse: it accepts only recent sign-ins.');
    expect(await page.locator('#login-email').inputValue()).toBe(owner.email);
    expect(refreshes).toEqual([]);
    await page.locator('#login-password').fill(STRONG_PASSWORD);
    await page.locator('#view-login').getByRole('button', { name: 'Sign in', exact: true }).click();
    // A new session: the remembered organisation opens.
    await projectRow(page, 'Fuse checks').waitFor();
    expect(await text(page, '#work-title')).toBe('Workspace: Short Fuse');
    expectClean(diagnostics, ['401 /api/v1/projects?page_size=50']);
  });

  it('an organisation that is gone gives way to the personal one: deleted while shown, or remembered from before', async () => {
    const owner = await person(t, 'ws-gone');
    const tenantId = await createTenant(owner, 'Paper Moon', 'paper-moon');

    await page.goto(`${base}/console/`);
    await signIn(page, owner.email, STRONG_PASSWORD);
    await switcher(page).locator('option', { hasText: 'Paper Moon' }).waitFor({ state: 'attached' });
    await switcher(page).selectOption({ label: 'Paper Moon' });
    await page.locator('#work-title').filter({ hasText: 'Workspace: Paper Moon' }).waitFor();
    await page.locator('#projects-count').filter({ hasText: 'No project yet.' }).waitFor();

    // Deleted elsewhere; the next call answers 404 tenant_not_found.
    const read = await t.inject({ method: 'GET', url: `/api/v1/tenants/${tenantId}`, headers: bearer(owner.tokens) });
    const deleted = await t.inject({
      method: 'DELETE',
      url: `/api/v1/tenants/${tenantId}`,
      headers: { ...bearer(owner.tokens), 'if-match': read.headers.etag as string },
    });
    expect(deleted.statusCode).toBe(204);
    const projectForm = page.locator('#new-project-form');
    await projectForm.getByLabel('Name', { exact: true }).fill('Moon map');
    await projectForm.getByRole('button', { name: 'Create the project' }).click();
    await page
      .locator('#work-notice')
      .filter({ hasText: 'You are no longer a member of Paper Moon, or it was deleted: your personal organisation is shown.' })
      .waitFor();
    expect(await text(page, '#work-title')).toBe('Workspace: Personal');
    expect(await switcher(page).locator('option').allTextContents()).toEqual(['Personal']);
    expect(await page.evaluate<string | null>(`localStorage.getItem('bastion.tenant.${owner.id}')`)).toBeNull();
    expect(await t.db.query('SELECT 1 FROM projects WHERE name = $1', ['Moon map'])).toEqual([]);

    // A remembered organisation that is gone (a reload, another browser's choice): the personal one, and a notice.
    await page.evaluate(`localStorage.setItem('bastion.tenant.${owner.id}', '${tenantId}')`);
    await page.reload();
    await page
      .locator('#work-notice')
      .filter({
        hasText: 'The organisation you chose last time is no longer available to you: your personal organisation is shown.',
      })
      .waitFor();
    expect(await text(page, '#work-title')).toBe('Workspace: Personal');
    expect(await page.evaluate<string | null>(`localStorage.getItem('bastion.tenant.${owner.id}')`)).toBeNull();
    expectClean(diagnostics, ['404 /api/v1/projects']);
  });
});
