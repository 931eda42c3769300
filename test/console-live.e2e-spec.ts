import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestApp, type TestApp } from './support/app';
import { register, requestToken, uniqueEmail } from './support/auth';
import { type BrowserDiagnostics, instrumentedContext, launchChromium } from './support/browser';
import { expectClean, signIn, text } from './support/console-page';

const ADMIN_EMAIL = 'console.live.admin@example.com';
const ADMIN_PASSWORD = 'console-live-passphrase-Marten-Q7';

/**
 * The console's live admin feed (docs/console.md, docs/operations.md "Live feeds"): events
 * caused by another client appear in the audit table without a reload, over the admin
 * WebSocket (token in the subprotocol).
 */
describe('console live feed (e2e, Chromium)', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let diagnostics: BrowserDiagnostics;
  let page: Page;

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD, LOCKOUT_THRESHOLD: '3' } });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    browser = await launchChromium();
    ({ context, diagnostics } = await instrumentedContext(browser, { viewport: { width: 1100, height: 900 } }));
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  it('shows events caused from another client without a reload', async () => {
    const victim = uniqueEmail('live-console');
    await register(t, victim);
    await page.goto(`${base}/console/`);
    await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.locator('#admin').waitFor();
    await page.locator('#audit-live', { hasText: 'Live' }).waitFor();
    expect(await page.locator('#audit-rows tr[data-type="auth.account_locked"]').count()).toBe(0);
    let navigations = 0;
    page.on('framenavigated', () => (navigations += 1));

    // Another client: three wrong passwords lock the account.
    for (let i = 0; i < 3; i++) {
      expect((await requestToken(t, { email: victim, password: `wrong-${i}-password-guess` })).statusCode).toBe(401);
    }
    const row = page.locator('#audit-rows tr[data-type="auth.account_locked"]');
    await row.first().waitFor({ timeout: 10_000 });
    // The lock is audited first (inside the lockout's transaction), the third failure just after it: wait for that row too.
    const failures = page.locator('#audit-rows tr[data-type="auth.login_failed"]');
    await failures.nth(2).waitFor({ timeout: 10_000 });
    expect(await failures.count()).toBeGreaterThanOrEqual(3);
    expect(await text(page, '#audit-count')).toMatch(/^The last \d+ events\.$/);
    // New rows go on top: the lock sits above the sign-in that was shown first.
    const types = await page.locator('#audit-rows tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(types.indexOf('auth.account_locked')).toBeLessThan(types.lastIndexOf('auth.login_succeeded'));
    expect(navigations).toBe(0);
    expectClean(diagnostics);
  });

  it('keeps the services’ status in the header live (the public status stream)', async () => {
    await page.locator('#service-status', { hasText: /\S/ }).waitFor();
    const admin = await requestToken(t, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    const posted = await t.inject({
      method: 'POST',
      url: '/api/v1/status/events',
      headers: { authorization: `Bearer ${admin.json<{ access_token: string }>().access_token}` },
      payload: { service: 'console-live', status: 'major_outage', message: 'down' },
    });
    expect(posted.statusCode).toBe(201);
    await page.locator('#service-status', { hasText: 'Major outage' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#service-status').getAttribute('data-overall')).toBe('major_outage');
    expectClean(diagnostics);
  });
});
