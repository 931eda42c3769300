import { readFileSync } from 'node:fs';
import { generateSync } from 'otplib';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { createTestApp, type TestApp } from './support/app';
import { bearer, login, person, register, STRONG_PASSWORD, uniqueEmail } from './support/auth';
import { type BrowserDiagnostics, instrumentedContext, launchChromium, screenshot } from './support/browser';
import { expectClean, expectFitsWidth, loginView, signIn, text } from './support/console-page';
import { FakeSmtpServer } from './support/fake-smtp-server';

const ADMIN_EMAIL = 'lifecycle.admin@example.com';
const ADMIN_PASSWORD = 'lifecycle-admin-passphrase-Tr0ub4dor';
const PUBLIC_BASE_URL = 'https://bastion.example';
const NEW_PASSWORD = 'Harbour-Lantern-Quokka-Treble-38';
const DAY_MS = 24 * 60 * 60 * 1000;

// ------------------------------------------------------------------ browser helpers (the shared ones: support/console-page.ts)

/** A row of the admin's user list. */
const userRow = (page: Page, id: string): Locator => page.locator(`#users-rows tr[data-user-id="${id}"]`);

/**
 * The console pages of the account lifecycle, in Chromium: downloading one's data, closing
 * one's account, accepting an invitation from its mail, and the admin's user list.
 */
describe('account console: data, closing, invitations and users (e2e, Chromium)', () => {
  let smtp: FakeSmtpServer;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let diagnostics: BrowserDiagnostics;
  let page: Page;

  /** The console address (on this server) of the last invitation link mailed to `email`. */
  async function invitationLink(email: string): Promise<string> {
    return `${base}/console/#/invite?token=${await smtp.linkToken(email, /you are invited/, 'invite')}`;
  }

  beforeAll(async () => {
    smtp = await FakeSmtpServer.start();
    t = await createTestApp({
      env: {
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        PUBLIC_BASE_URL,
        ...smtp.env(),
      },
    });
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

  describe('your own account', () => {
    it('downloads my data: a JSON file named after the day, and a summary of what it holds', async () => {
      const email = uniqueEmail('console-export');
      await register(t, email);
      await page.goto(`${base}/console/`);
      await signIn(page, email, STRONG_PASSWORD);
      await page.locator('#view-account').waitFor();

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download my data' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^bastion-data-\d{4}-\d{2}-\d{2}\.json$/);
      const saved = await download.path();
      const document = JSON.parse(readFileSync(saved, 'utf8'));
      expect(document.format).toBe('bastion.personal-data-export.v1');
      expect(document.user).toMatchObject({ email, status: 'active' });
      expect(download.suggestedFilename()).toBe(`bastion-data-${(document.generated_at as string).slice(0, 10)}.json`);

      const summary = page.locator('#export-done');
      await summary.filter({ hasText: download.suggestedFilename() }).waitFor();
      const sessions = (document.sessions as unknown[]).length;
      expect(sessions).toBeGreaterThan(0);
      expect(await text(page, '#export-done')).toBe(
        `Saved ${download.suggestedFilename()}: ${document.files.length} file${document.files.length === 1 ? '' : 's'}, ` +
          `${document.projects.length} project${document.projects.length === 1 ? '' : 's'}, ` +
          `${sessions} session${sessions === 1 ? '' : 's'}, ` +
          `${document.api_keys.length} API key${document.api_keys.length === 1 ? '' : 's'}, ` +
          `${document.notifications.length} message${document.notifications.length === 1 ? '' : 's'}, ` +
          `${document.audit_events.length} security event${document.audit_events.length === 1 ? '' : 's'}.`,
      );
      // The object URL is not left in the page as a link.
      expect(await page.locator('a[download]').count()).toBe(0);
      await screenshot(page, 'account-export');
      expectClean(diagnostics);
    });

    it('deletes my account: the password and the confirmation are required; then signed out everywhere, with the due date', async () => {
      const email = uniqueEmail('console-close');
      await register(t, email);
      const phone = await login(t, email, STRONG_PASSWORD);
      await page.goto(`${base}/console/`);
      await signIn(page, email, STRONG_PASSWORD);
      await page.locator('#view-account').waitFor();

      const form = page.locator('#delete-form');
      await form.getByLabel('Your password').fill(`${STRONG_PASSWORD}-wrong`);
      // Not confirmed: the browser refuses to submit (no request is sent).
      await form.getByRole('button', { name: 'Delete my account' }).click();
      expect(
        await page
          .locator('#delete-confirm')
          .evaluate((box) => (box as unknown as { validity: { valid: boolean } }).validity.valid),
      ).toBe(false);
      expect(await page.locator('#view-account').isVisible()).toBe(true);

      await form.getByLabel(/I understand/).check();
      await form.getByRole('button', { name: 'Delete my account' }).click();
      await page.locator('#delete-error').filter({ hasText: 'The password is incorrect.' }).waitFor();
      expect(await page.locator('#view-account').isVisible()).toBe(true);
      expect(await text(page, '#delete-code-help')).toBe('Needed if two-factor authentication is on.');
      await screenshot(page, 'account-delete-error');

      await form.getByLabel('Your password').fill(STRONG_PASSWORD);
      await form.getByRole('button', { name: 'Delete my account' }).click();
      await page.locator('#view-login').waitFor();
      const [row] = await t.db.query<{ deletion_due_at: Date | null }>('SELECT deletion_due_at FROM users WHERE email = $1', [
        email,
      ]);
      expect(row.deletion_due_at).not.toBeNull();
      const due = row.deletion_due_at!;
      expect(Math.abs(due.getTime() - (Date.now() + 7 * DAY_MS))).toBeLessThan(60_000); // ACCOUNT_DELETION_GRACE, 7 days
      const dueText = await page.evaluate((iso) => new Date(iso).toLocaleString(), due.toISOString());
      expect(await text(page, '#login-notice')).toBe(
        `Your account is closed and will be erased on ${dueText}. Signing in again before then cancels the deletion.`,
      );
      expect(await text(page, '#status')).toBe('Your account is closed and you are signed out.');
      expect(await page.locator('#login-error').isVisible()).toBe(false);
      await screenshot(page, 'account-deleted');

      // Signed out here (the session cookies are gone) and everywhere else.
      expect((await context.cookies()).map((c) => c.name)).toEqual([]);
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(phone) })).statusCode).toBe(401);
      await page.reload();
      await page.locator('#view-login').waitFor();
      expect(await text(page, '#login-notice')).toBe('');

      // Signing in before the due date cancels the deletion.
      await signIn(page, email, STRONG_PASSWORD);
      await page.locator('#view-account').waitFor();
      const [reopened] = await t.db.query<{ deletion_due_at: Date | null }>(
        'SELECT deletion_due_at FROM users WHERE email = $1',
        [email],
      );
      expect(reopened.deletion_due_at).toBeNull();
      expectClean(diagnostics, ['400 /api/v1/auth/me']);
    });
    it('with two-factor authentication on, deleting needs a code (asked for once, not retried) or a recovery code', async () => {
      const { email, tokens } = await person(t, 'console-close-mfa');
      const { secret } = (
        await t.inject({ method: 'POST', url: '/api/v1/auth/mfa/totp/enroll', headers: bearer(tokens) })
      ).json();
      const now = Math.floor(Date.now() / 1000);
      const activated = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/mfa/totp/activate',
        headers: bearer(tokens),
        payload: { code: generateSync({ secret, epoch: now }) },
      });
      expect(activated.statusCode).toBe(200);
      const [recoveryCode] = activated.json().recovery_codes as string[];

      await page.goto(`${base}/console/`);
      await signIn(page, email, STRONG_PASSWORD);
      // The code of the next 30-second step: the one used to activate cannot be replayed.
      await loginView(page)
        .getByLabel('Authentication code')
        .fill(generateSync({ secret, epoch: now + 30 }));
      await loginView(page).getByRole('button', { name: 'Verify' }).click();
      await page.locator('#view-account').waitFor();

      const form = page.locator('#delete-form');
      await form.getByLabel('Your password').fill(STRONG_PASSWORD);
      await form.getByLabel(/I understand/).check();
      await form.getByRole('button', { name: 'Delete my account' }).click();
      await page.locator('#delete-error').filter({ hasText: 'Your account uses two-factor authentication' }).waitFor();
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('delete-code');

      await form.getByLabel('Authentication code or recovery code (optional)').fill('000000');
      await form.getByRole('button', { name: 'Delete my account' }).click();
      await page.locator('#delete-error').filter({ hasText: 'That code is not valid' }).waitFor();
      expect(await page.locator('#view-account').isVisible()).toBe(true);

      await form.getByLabel('Authentication code or recovery code (optional)').fill(recoveryCode);
      await form.getByRole('button', { name: 'Delete my account' }).click();
      await page.locator('#login-notice').filter({ hasText: 'Your account is closed and will be erased on' }).waitFor();
      const [row] = await t.db.query<{ deletion_due_at: Date | null }>('SELECT deletion_due_at FROM users WHERE email = $1', [
        email,
      ]);
      expect(row.deletion_due_at).not.toBeNull();
      expect((await context.cookies()).map((c) => c.name)).toEqual([]);
      // One 401 for the missing code: no silent refresh and second attempt with the same body.
      expectClean(diagnostics, ['401 /api/v1/auth/token?cookie=1', '401 /api/v1/auth/me', '400 /api/v1/auth/me']);
    });
  });

  describe('invitations and the user list (admins)', () => {
    it('an admin invites a user from the list; the mailed link opens the invitation page, and choosing a password signs in', async () => {
      const email = uniqueEmail('console-invitee');
      await page.goto(`${base}/console/`);
      await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
      const users = page.locator('#admin-users');
      await users.waitFor();

      await users.getByLabel('Email', { exact: true }).fill(email);
      await users.getByLabel('Role', { exact: true }).selectOption('user');
      await users.getByLabel('Display name (optional)').fill('Grace Hopper');
      await users.getByRole('button', { name: 'Send the invitation' }).click();
      await page
        .locator('#new-user-done')
        .filter({ hasText: `Invitation sent to ${email} (user).` })
        .waitFor();
      const invited = page.locator('#users-rows tr', { hasText: email });
      await invited.waitFor();
      expect(await invited.getAttribute('data-status')).toBe('invited');
      expect(await invited.locator('td').nth(0).textContent()).toBe(`${email}Grace Hopper`);
      expect(await invited.locator('td').nth(2).textContent()).toBe('Invited');
      expect(await users.getByLabel('Email', { exact: true }).inputValue()).toBe('');
      await screenshot(page, 'admin-users-invited');

      // The same address twice: 409 email_taken, shown on the form.
      await users.getByLabel('Email', { exact: true }).fill(email);
      await users.getByRole('button', { name: 'Send the invitation' }).click();
      await page.locator('#new-user-error').filter({ hasText: 'An account with this email already exists.' }).waitFor();
      expectClean(diagnostics, ['409 /api/v1/auth/users']);

      // The invitee, in a browser of their own.
      const link = await invitationLink(email);
      const invitee = await instrumentedContext(browser, { viewport: { width: 360, height: 740 } });
      try {
        const tab = await invitee.context.newPage();
        await tab.goto(link);
        await tab.locator('#view-invite').waitFor();
        // The token leaves the address bar (and the history) at once.
        expect(new URL(tab.url()).hash).toBe('');
        expect(await tab.evaluate<string>('document.activeElement.id')).toBe('invite-title');

        await tab.getByLabel('Choose a password').fill(NEW_PASSWORD);
        await tab.getByLabel('Type the password again').fill(`${NEW_PASSWORD}!`);
        await tab.getByRole('button', { name: 'Accept and sign in' }).click();
        await tab.locator('#invite-error').filter({ hasText: 'The two passwords differ.' }).waitFor();

        await tab.getByLabel('Choose a password').fill('short');
        await tab.getByLabel('Type the password again').fill('short');
        await tab.getByRole('button', { name: 'Accept and sign in' }).click();
        await tab
          .locator('#invite-error')
          .filter({ hasText: /12 characters/ })
          .waitFor();
        await screenshot(tab, 'invite-weak-password');

        await tab.getByLabel('Choose a password').fill(NEW_PASSWORD);
        await tab.getByLabel('Type the password again').fill(NEW_PASSWORD);
        await tab.getByRole('button', { name: 'Accept and sign in' }).click();
        await tab.locator('#view-account').waitFor();
        expect(await text(tab, '#profile-email')).toBe(email);
        expect(await text(tab, '#profile-name')).toBe('Grace Hopper');
        expect(await tab.locator('#admin-users').isHidden()).toBe(true);
        expect((await invitee.context.cookies()).map((c) => c.name).sort()).toEqual([
          '__Host-bastion_csrf',
          '__Host-bastion_refresh',
        ]);
        await expectFitsWidth(tab, 360);

        // A reload keeps the session (cookie mode, as a sign-in).
        await tab.reload();
        await tab.locator('#view-account').waitFor();
        expect(await text(tab, '#profile-email')).toBe(email);

        // The link was spent.
        await tab.goto(link);
        await tab.locator('#view-invite').waitFor();
        await tab.getByLabel('Choose a password').fill(NEW_PASSWORD);
        await tab.getByLabel('Type the password again').fill(NEW_PASSWORD);
        await tab.getByRole('button', { name: 'Accept and sign in' }).click();
        await tab
          .locator('#invite-error')
          .filter({ hasText: 'This invitation link is invalid or has expired; ask your administrator for a new one.' })
          .waitFor();
        expectClean(invitee.diagnostics, [
          '400 /api/v1/auth/invitations/accept?cookie=1',
          '400 /api/v1/auth/invitations/accept?cookie=1',
        ]);
      } finally {
        await invitee.context.close();
      }

      // Back in the admin's list: the account is active now.
      await users.getByLabel('Search by email or name').fill(email);
      await users.getByRole('button', { name: 'Search', exact: true }).click();
      await page.locator(`#users-rows tr[data-status="active"]`, { hasText: email }).waitFor();
      expect(await page.locator('#users-rows tr').count()).toBe(1);
      expect(await text(page, '#users-count')).toBe(`1 user matching “${email}”.`);
    });

    it('an admin makes a user admin and back, deactivates, reactivates and deletes them; the last admin cannot delete themselves', async () => {
      const email = uniqueEmail('console-managed');
      const managed = await register(t, email);
      const phone = await login(t, email, STRONG_PASSWORD);
      await page.goto(`${base}/console/`);
      await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
      const row = userRow(page, managed.id);
      await row.waitFor();
      expect(await row.getAttribute('data-status')).toBe('active');
      expect(await row.getAttribute('data-role')).toBe('user');
      // The admin's own row offers no action on themselves.
      const own = page.locator('#users-rows tr', { has: page.locator('.badge', { hasText: 'You' }) });
      expect(await own.locator('button').count()).toBe(0);

      await page.getByRole('button', { name: `Make ${email} an administrator` }).click();
      await page.locator(`#users-rows tr[data-user-id="${managed.id}"][data-role="admin"]`).waitFor();
      expect(await text(page, '#status')).toBe(`${email} is now an administrator.`);
      const [promoted] = await t.db.query<{ role: string }>('SELECT role FROM users WHERE id = $1', [managed.id]);
      expect(promoted.role).toBe('admin');
      // A role change ends the user's sessions (the new role applies from their next sign-in).
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(phone) })).statusCode).toBe(401);

      await page.getByRole('button', { name: `Make ${email} a user` }).click();
      await page.locator(`#users-rows tr[data-user-id="${managed.id}"][data-role="user"]`).waitFor();

      const again = await login(t, email, STRONG_PASSWORD);
      await page.getByRole('button', { name: `Deactivate ${email}` }).click();
      await page.locator(`#users-rows tr[data-user-id="${managed.id}"][data-status="inactive"]`).waitFor();
      expect(await text(page, '#status')).toBe(`${email} is deactivated and signed out.`);
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(again) })).statusCode).toBe(401);
      await screenshot(page, 'admin-users-deactivated');

      await page.getByRole('button', { name: `Activate ${email}` }).click();
      await page.locator(`#users-rows tr[data-user-id="${managed.id}"][data-status="active"]`).waitFor();

      // Deleting asks first, inside the page; cancelling changes nothing.
      await page.getByRole('button', { name: `Delete ${email}` }).click();
      const confirmation = page.locator('#user-delete');
      await confirmation.waitFor();
      expect(await text(page, '#user-delete-text')).toContain(`Delete ${email}?`);
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('user-delete-confirm');
      await confirmation.getByRole('button', { name: 'Cancel' }).click();
      await confirmation.waitFor({ state: 'hidden' });
      expect(await row.getAttribute('data-status')).toBe('active');

      await page.getByRole('button', { name: `Delete ${email}` }).click();
      await screenshot(page, 'admin-users-delete-confirm');
      await confirmation.getByRole('button', { name: 'Delete the account' }).click();
      await page.locator(`#users-rows tr[data-user-id="${managed.id}"][data-status="deletion_pending"]`).waitFor();
      expect(await text(page, '#status')).toMatch(new RegExp(`^${email.replace(/\./g, '\\.')} is closed and will be erased on `));
      expect(await row.locator('td').nth(2).textContent()).toMatch(/^Deletion pending/);
      expect(await row.locator('button').count()).toBe(0);
      const [closed] = await t.db.query<{ deletion_due_at: Date | null }>('SELECT deletion_due_at FROM users WHERE id = $1', [
        managed.id,
      ]);
      expect(closed.deletion_due_at).not.toBeNull();

      // The only active admin left: closing their own account is refused (409 last_admin), and said so.
      const form = page.locator('#delete-form');
      await form.getByLabel('Your password').fill(ADMIN_PASSWORD);
      await form.getByLabel(/I understand/).check();
      await form.getByRole('button', { name: 'Delete my account' }).click();
      await page.locator('#delete-error').filter({ hasText: 'last active admin' }).waitFor();
      expect(await page.locator('#view-account').isVisible()).toBe(true);
      const [admin] = await t.db.query<{ deletion_due_at: Date | null }>('SELECT deletion_due_at FROM users WHERE email = $1', [
        ADMIN_EMAIL,
      ]);
      expect(admin.deletion_due_at).toBeNull();
      expectClean(diagnostics, ['409 /api/v1/auth/me']);
    });
  });
});
