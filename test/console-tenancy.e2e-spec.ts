import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { createTestApp, type TestApp } from './support/app';
import { bearer, type Person, person, STRONG_PASSWORD, uniqueEmail } from './support/auth';
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

async function cells(row: Locator): Promise<string[]> {
  return row.locator('td').allTextContents();
}

/** Waits for the polite status region to say this (it speaks once the lists are read again). */
const announced = (page: Page, message: string): Promise<void> => page.locator('#status').filter({ hasText: message }).waitFor();

const activeElementId = (page: Page): Promise<string> => page.evaluate<string>('document.activeElement.id');

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
});
